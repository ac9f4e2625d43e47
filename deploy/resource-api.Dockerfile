# syntax=docker/dockerfile:1
# The sample resource API (src/Samples/ResourceApi.JwtBearer): validates AuthServer's access tokens locally
# from the issuer's JWKS. Build from the repository root:
#   docker build -f deploy/resource-api.Dockerfile -t authserver-resource-api .

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# global.json stays out: the image's tag chooses the SDK, and its pinned feature band may not be the image's.
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Samples/ResourceApi.JwtBearer/ResourceApi.JwtBearer.csproj src/Samples/ResourceApi.JwtBearer/
RUN dotnet restore src/Samples/ResourceApi.JwtBearer/ResourceApi.JwtBearer.csproj
COPY src/Samples/ResourceApi.JwtBearer/ src/Samples/ResourceApi.JwtBearer/
RUN dotnet publish src/Samples/ResourceApi.JwtBearer/ResourceApi.JwtBearer.csproj -c Release -o /app --no-restore -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_ENVIRONMENT=Production \
    ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
USER $APP_UID
# A TCP check: the sample's routes are its own; an open port means Kestrel is serving.
HEALTHCHECK --interval=15s --timeout=3s --start-period=15s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080"]
ENTRYPOINT ["dotnet", "ResourceApi.JwtBearer.dll"]
