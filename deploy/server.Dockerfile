# syntax=docker/dockerfile:1
# AuthServer: SDK build stage, ASP.NET runtime stage, non-root. Build from the repository root:
#   docker build -f deploy/server.Dockerfile -t authserver .
# Keys, connection strings and TLS never enter the image: they are mounted or passed at run time.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Project files first, so the restore layer is reused while only code changes.
# global.json stays out: the image's tag chooses the SDK, and its pinned feature band may not be the image's.
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/AuthServer/AuthServer.csproj src/AuthServer/
COPY src/AuthServer.Persistence/AuthServer.Persistence.csproj src/AuthServer.Persistence/
COPY src/AuthServer.Migrations.Sqlite/AuthServer.Migrations.Sqlite.csproj src/AuthServer.Migrations.Sqlite/
COPY src/AuthServer.Migrations.SqlServer/AuthServer.Migrations.SqlServer.csproj src/AuthServer.Migrations.SqlServer/
RUN dotnet restore src/AuthServer/AuthServer.csproj
COPY src/AuthServer/ src/AuthServer/
COPY src/AuthServer.Persistence/ src/AuthServer.Persistence/
COPY src/AuthServer.Migrations.Sqlite/ src/AuthServer.Migrations.Sqlite/
COPY src/AuthServer.Migrations.SqlServer/ src/AuthServer.Migrations.SqlServer/
RUN dotnet publish src/AuthServer/AuthServer.csproj -c Release -o /app --no-restore -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app .
# /data is the one writable folder (the SQLite file when that provider is used); run the container with a read-only
# root filesystem: docker run --read-only --tmpfs /tmp -v authserver-data:/data ... (compose and k8s do).
RUN mkdir /data && chown $APP_UID /data && chmod 700 /data
VOLUME /data
ENV ASPNETCORE_ENVIRONMENT=Production \
    ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_gcServer=0 \
    Database__ConnectionString="Data Source=/data/authserver.db"
EXPOSE 8080
# The image's unprivileged "app" user (uid 1654); nothing in /app is writable by it.
USER $APP_UID
# Healthy means ready to serve: the database answers (compose waits on it; Kubernetes uses its own probes).
# The runtime image has no curl; bash's /dev/tcp speaks enough HTTP for one status line.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health/ready HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "AuthServer.dll"]
