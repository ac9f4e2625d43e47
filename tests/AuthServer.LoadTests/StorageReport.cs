using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace AuthServer.LoadTests;

/// <summary>
/// Bytes on disk per b-tree (each table and each index) of a stopped server's SQLite file, divided by the token rows.
/// The bundled e_sqlite3 is built without SQLITE_ENABLE_DBSTAT_VTAB, so there is no `dbstat` table to ask: this walks
/// each b-tree from its root page in the file itself (the page layout of sqlite.org/fileformat2.html) and counts its
/// interior, leaf and overflow pages, which is what `SELECT name, sum(pgsize) FROM dbstat GROUP BY name` sums.
/// </summary>
public static class StorageReport
{
    private const string Tokens = "OpenIddictTokens";

    public static void Print(string databaseFile, TextWriter output)
    {
        long rows, refreshRows, pageSize, pageCount;
        var trees = new List<(string Name, string Table, int Root)>();
        using (var connection = new SqliteConnection($"Data Source={databaseFile};Pooling=False"))
        {
            connection.Open();
            Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE);");
            rows = Scalar(connection, $"SELECT count(*) FROM {Tokens}");
            refreshRows = Scalar(connection, $"SELECT count(*) FROM {Tokens} WHERE Type IN ('urn:ietf:params:oauth:token-type:refresh_token', 'refresh_token', 'rt')");
            pageSize = Scalar(connection, "PRAGMA page_size");
            pageCount = Scalar(connection, "PRAGMA page_count");
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT name, tbl_name, rootpage FROM sqlite_schema WHERE rootpage > 0 ORDER BY tbl_name, type DESC, name";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                trees.Add((reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
            }
        }

        if (new FileInfo(databaseFile).Length > int.MaxValue)
        {
            throw new InvalidOperationException("Files over 2 GiB: use `sqlite3 FILE \"SELECT name, sum(pgsize) FROM dbstat GROUP BY name\"` (the system sqlite3 has dbstat).");
        }

        var file = File.ReadAllBytes(databaseFile);
        var usable = (int)pageSize - file[20];
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"{databaseFile}: {pageCount} pages of {pageSize} B = {pageCount * pageSize / 1024.0 / 1024:0.0} MiB; {rows} token rows ({refreshRows} refresh tokens)"));
        output.WriteLine();
        output.WriteLine("| b-tree | pages | MiB | bytes per token row |");
        output.WriteLine("|---|---:|---:|---:|");
        long tokenBytes = 0;
        foreach (var tree in trees.Where(t => t.Table == Tokens))
        {
            var bytes = new BTree(file, (int)pageSize, usable).Pages(tree.Root) * pageSize;
            tokenBytes += bytes;
            output.WriteLine(string.Create(c, $"| {tree.Name} | {bytes / pageSize} | {bytes / 1024.0 / 1024:0.0} | {Per(bytes, rows):0} |"));
        }

        output.WriteLine(string.Create(c, $"| **{Tokens}, table and indexes** | {tokenBytes / pageSize} | {tokenBytes / 1024.0 / 1024:0.0} | **{Per(tokenBytes, rows):0}** |"));
        var others = trees.Where(t => t.Table != Tokens).Select(t => (t.Table, Bytes: new BTree(file, (int)pageSize, usable).Pages(t.Root) * pageSize))
            .GroupBy(t => t.Table).Select(g => (Table: g.Key, Bytes: g.Sum(t => t.Bytes))).Where(t => t.Bytes > 64 * 1024).OrderByDescending(t => t.Bytes);
        foreach (var (table, bytes) in others)
        {
            output.WriteLine(string.Create(c, $"| {table} (all its b-trees) | {bytes / pageSize} | {bytes / 1024.0 / 1024:0.0} | {Per(bytes, rows):0} |"));
        }
    }

    private static double Per(long bytes, long rows) => rows == 0 ? 0 : (double)bytes / rows;

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Counts the pages of one b-tree: interior, leaf, and the overflow chains of cells too large for their page.</summary>
    private sealed class BTree(byte[] file, int pageSize, int usable)
    {
        public long Pages(int root)
        {
            long pages = 0;
            var pending = new Stack<int>();
            pending.Push(root);
            while (pending.TryPop(out var page))
            {
                pages++;
                var start = (page - 1) * pageSize;
                var header = start + (page == 1 ? 100 : 0);
                var type = file[header];
                var cells = BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(header + 3));
                var interior = type is 2 or 5;
                var pointers = header + (interior ? 12 : 8);
                if (interior)
                {
                    pending.Push((int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(header + 8)));
                }

                for (var i = 0; i < cells; i++)
                {
                    var cell = start + BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(pointers + (2 * i)));
                    if (interior)
                    {
                        pending.Push((int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(cell)));
                        cell += 4;
                    }

                    if (type == 5)
                    {
                        continue; // interior table cells hold a rowid only
                    }

                    var (payload, length) = Varint(cell);
                    cell += length;
                    if (type == 13)
                    {
                        cell += Varint(cell).Length; // the rowid
                    }

                    pages += OverflowPages(cell, payload, type == 13);
                }
            }

            return pages;
        }

        private long OverflowPages(int cell, long payload, bool tableLeaf)
        {
            var max = tableLeaf ? usable - 35 : ((usable - 12) * 64 / 255) - 23;
            if (payload <= max)
            {
                return 0;
            }

            var min = ((usable - 12) * 32 / 255) - 23;
            var local = min + ((payload - min) % (usable - 4));
            if (local > max)
            {
                local = min;
            }

            long pages = 0;
            var next = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(cell + (int)local));
            while (next != 0)
            {
                pages++;
                next = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan((int)((next - 1) * pageSize)));
            }

            return pages;
        }

        private (long Value, int Length) Varint(int offset)
        {
            long value = 0;
            for (var i = 0; i < 8; i++)
            {
                var b = file[offset + i];
                value = (value << 7) | (uint)(b & 0x7f);
                if (b < 0x80)
                {
                    return (value, i + 1);
                }
            }

            return ((value << 8) | file[offset + 8], 9);
        }
    }
}
