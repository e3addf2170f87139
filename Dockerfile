# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the dev dependencies (none of them reach the image).
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies only, non-root, state under /data.
FROM node:22-bookworm-slim
# OCR=false leaves out ocrmypdf and tesseract (searchable PDFs) for a smaller image.
ARG OCR=true
# MALLOC_ARENA_MAX=2 as npm start sets it: libvips threads otherwise each keep a malloc arena of freed pixel memory.
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    SCAN2MQTT_DATA_FOLDER=/data \
    SCAN2MQTT_STORAGE_FOLDER=/data/scans
# PDF tools (previews, page counts, merging), tiffcp (multi-page TIFF), tini (PID 1 passing SIGTERM on).
RUN apt-get update \
 && apt-get install -y --no-install-recommends poppler-utils qpdf libtiff-tools tini \
    $(if [ "$OCR" = true ]; then echo ocrmypdf tesseract-ocr tesseract-ocr-eng; fi) \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY config/scan2mqtt.example.yaml ./config/
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# Healthy = the heartbeat in /data/health.json is fresh (a timer writes it every 30 s, so a
# blocked event loop makes it stale within 2 min) and its last beat saw the broker connected.
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s --retries=3 CMD ["node", "dist/main.js", "--healthcheck"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/main.js"]
