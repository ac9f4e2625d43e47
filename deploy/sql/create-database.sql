-- Creates the AuthServer database and its two logins with the least each needs (docs/deployment.md, "SQL Server").
-- Run once as a sysadmin with sqlcmd variables:
--   sqlcmd -S <server> -C -i deploy/sql/create-database.sql -v Database=AuthServer AppPassword=... MigratorPassword=...
-- Safe to run again: each object is created only when absent, passwords are (re)set.

IF DB_ID(N'$(Database)') IS NULL
    CREATE DATABASE [$(Database)];
GO

-- Row versioning: readers never wait for the writer of a token row, and never block it (see docs/deployment.md).
ALTER DATABASE [$(Database)] SET READ_COMMITTED_SNAPSHOT ON WITH ROLLBACK IMMEDIATE;
GO

IF SUSER_ID(N'authserver_app') IS NULL
    CREATE LOGIN [authserver_app] WITH PASSWORD = N'$(AppPassword)', CHECK_POLICY = ON;
ELSE
    ALTER LOGIN [authserver_app] WITH PASSWORD = N'$(AppPassword)';
IF SUSER_ID(N'authserver_migrator') IS NULL
    CREATE LOGIN [authserver_migrator] WITH PASSWORD = N'$(MigratorPassword)', CHECK_POLICY = ON;
ELSE
    ALTER LOGIN [authserver_migrator] WITH PASSWORD = N'$(MigratorPassword)';
GO

USE [$(Database)];
GO

-- Runtime: reads and writes rows, nothing else (no DDL, so a compromised instance cannot change the schema).
IF DATABASE_PRINCIPAL_ID(N'authserver_app') IS NULL
    CREATE USER [authserver_app] FOR LOGIN [authserver_app];
ALTER ROLE [db_datareader] ADD MEMBER [authserver_app];
ALTER ROLE [db_datawriter] ADD MEMBER [authserver_app];

-- Migration only (the `migrate` command or migrate.sql): DDL plus the history table's rows.
IF DATABASE_PRINCIPAL_ID(N'authserver_migrator') IS NULL
    CREATE USER [authserver_migrator] FOR LOGIN [authserver_migrator];
ALTER ROLE [db_ddladmin] ADD MEMBER [authserver_migrator];
ALTER ROLE [db_datareader] ADD MEMBER [authserver_migrator];
ALTER ROLE [db_datawriter] ADD MEMBER [authserver_migrator];
GO
