namespace AuthServer.Migrations.Sqlite;

/// <summary>
/// The rows the CompactTokenStorage migration keeps (clients, authorizations, live refresh tokens), rewritten in the new
/// representation (AuthServer.Persistence.CompactStorage): GUID text to 16 bytes in RFC 9562 order, date text to Unix
/// milliseconds, token type URNs to their codes; and back for Down. Each statement touches only values still in the other
/// form, and foreign keys are checked at commit, when parents and children agree again.
/// </summary>
internal static class CompactTokenStorageData
{
    private static string ToBytes(string column) =>
        $"""CASE WHEN typeof("{column}") = 'text' THEN unhex(replace("{column}", '-', '')) ELSE "{column}" END""";

    private static string ToText(string column) =>
        $"""CASE WHEN typeof("{column}") = 'blob' THEN lower(substr(hex("{column}"), 1, 8) || '-' || substr(hex("{column}"), 9, 4) || '-' || substr(hex("{column}"), 13, 4) || '-' || substr(hex("{column}"), 17, 4) || '-' || substr(hex("{column}"), 21, 12)) ELSE "{column}" END""";

    private static string ToMilliseconds(string column) =>
        $"""CASE WHEN typeof("{column}") = 'text' THEN CAST(round((julianday("{column}") - 2440587.5) * 86400000.0) AS INTEGER) ELSE "{column}" END""";

    private static string ToDateText(string column) =>
        $"""CASE WHEN typeof("{column}") = 'integer' THEN strftime('%Y-%m-%d %H:%M:%f', "{column}" / 1000.0, 'unixepoch') ELSE "{column}" END""";

    private static readonly (string Urn, string Code)[] s_types =
    [
        ("urn:ietf:params:oauth:token-type:refresh_token", "rt"),
        ("urn:ietf:params:oauth:token-type:access_token", "at"),
        ("urn:ietf:params:oauth:token-type:id_token", "it"),
        ("urn:openiddict:params:oauth:token-type:authorization_code", "ac"),
        ("urn:openiddict:params:oauth:token-type:device_code", "dc"),
        ("urn:openiddict:params:oauth:token-type:user_code", "uc"),
        ("urn:openiddict:params:oauth:token-type:request_token", "rq"),
    ];

    private static string Types(bool toCode) =>
        "CASE \"Type\" " + string.Concat(s_types.Select(t => toCode ? $"WHEN '{t.Urn}' THEN '{t.Code}' " : $"WHEN '{t.Code}' THEN '{t.Urn}' ")) + "ELSE \"Type\" END";

    public static readonly string[] Up =
    [
        "PRAGMA defer_foreign_keys = ON;",
        $"""UPDATE "OpenIddictApplications" SET "Id" = {ToBytes("Id")} WHERE typeof("Id") = 'text';""",
        $"""UPDATE "OpenIddictAuthorizations" SET "Id" = {ToBytes("Id")}, "ApplicationId" = {ToBytes("ApplicationId")}, "ConcurrencyToken" = {ToBytes("ConcurrencyToken")}, "CreationDate" = {ToMilliseconds("CreationDate")} WHERE typeof("Id") = 'text';""",
        $"""UPDATE "OpenIddictTokens" SET "Id" = {ToBytes("Id")}, "ApplicationId" = {ToBytes("ApplicationId")}, "AuthorizationId" = {ToBytes("AuthorizationId")}, "ConcurrencyToken" = {ToBytes("ConcurrencyToken")}, "CreationDate" = {ToMilliseconds("CreationDate")}, "ExpirationDate" = {ToMilliseconds("ExpirationDate")}, "RedemptionDate" = {ToMilliseconds("RedemptionDate")}, "Type" = {Types(toCode: true)} WHERE typeof("Id") = 'text';""",
        $"""UPDATE "BrowserSessionGrants" SET "AuthorizationId" = {ToBytes("AuthorizationId")} WHERE typeof("AuthorizationId") = 'text';""",
    ];

    public static readonly string[] Down =
    [
        "PRAGMA defer_foreign_keys = ON;",
        $"""UPDATE "OpenIddictApplications" SET "Id" = {ToText("Id")} WHERE typeof("Id") = 'blob';""",
        $"""UPDATE "OpenIddictAuthorizations" SET "Id" = {ToText("Id")}, "ApplicationId" = {ToText("ApplicationId")}, "ConcurrencyToken" = {ToText("ConcurrencyToken")}, "CreationDate" = {ToDateText("CreationDate")} WHERE typeof("Id") = 'blob';""",
        $"""UPDATE "OpenIddictTokens" SET "Id" = {ToText("Id")}, "ApplicationId" = {ToText("ApplicationId")}, "AuthorizationId" = {ToText("AuthorizationId")}, "ConcurrencyToken" = {ToText("ConcurrencyToken")}, "CreationDate" = {ToDateText("CreationDate")}, "ExpirationDate" = {ToDateText("ExpirationDate")}, "RedemptionDate" = {ToDateText("RedemptionDate")}, "Type" = {Types(toCode: false)} WHERE typeof("Id") = 'blob';""",
        $"""UPDATE "BrowserSessionGrants" SET "AuthorizationId" = {ToText("AuthorizationId")} WHERE typeof("AuthorizationId") = 'blob';""",
    ];
}
