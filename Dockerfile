# Image for the ingestor and the query API in server mode (docker-compose.yml). The embedded
# engine (chDB, an optional dependency of 540 MB) is left out: containers talk to a server.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=optional --no-audit --no-fund
COPY . .
RUN npx tsc -p tsconfig.build.json

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY tsconfig.base.json ./
COPY scripts/register-paths.cjs ./scripts/
COPY infra/clickhouse ./infra/clickhouse
USER node
