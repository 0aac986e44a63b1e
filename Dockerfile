# Image for the ingestor and the query API in server mode (docker-compose.yml). The runtime stage
# leaves out the embedded engine (chDB, an optional dependency of 540 MB): containers talk to a
# server. The build stage keeps optional packages: Vite's bundler needs its native builds.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY tsconfig.base.json ./
COPY scripts/register-paths.cjs ./scripts/
COPY infra/clickhouse ./infra/clickhouse
USER node
