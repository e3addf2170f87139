# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the dev dependencies.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies only, non-root, state under /data.
FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    SCAN2MQTT_DATA_FOLDER=/data \
    SCAN2MQTT_STORAGE_FOLDER=/data/scans
# OCR (searchable PDFs), PDF tools (previews, page counts, merging) and tiffcp (multi-page TIFF).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ocrmypdf tesseract-ocr tesseract-ocr-eng poppler-utils qpdf libtiff-tools tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY config ./config
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# The gateway refreshes /data/health.json; the check fails when it goes stale.
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s --retries=3 CMD ["node", "dist/main.js", "--healthcheck"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/main.js"]
