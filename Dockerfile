# syntax=docker/dockerfile:1
# Build a static slotpay binary, then ship it alone on a distroless, non-root base.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
# .dockerignore keeps .git out, so the build has no VCS stamp of its own: pass the revision
# (`docker build --build-arg REVISION=$(git rev-parse HEAD) .`) for `slotpay version` to show.
ARG REVISION=""
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w -X github.com/slotpay/slotpay/services/cli.Revision=${REVISION}" -o /out/slotpay . \
 && CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/imojesim ./cmd/imojesim

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/slotpay /usr/local/bin/slotpay
COPY --from=build /out/imojesim /usr/local/bin/imojesim
USER nonroot:nonroot
# Production unless told otherwise: it refuses to start without its secrets and public URL, and
# never mounts the imoje simulator (whose admin API lists tokens and keys). A development container
# must also set SLOTPAY_DEV_ALLOW_REMOTE=true to listen beyond loopback (docker-compose.yml does, and
# publishes the port on the host's loopback only).
ENV SLOTPAY_ENV=production
ENV SLOTPAY_LISTEN_ADDR=0.0.0.0:8080
EXPOSE 8080
# The binary is its own probe (no shell or curl in this image, hence the exec form): healthy once
# /readyz answers 200, i.e. the database is reachable and migrated. The start period covers
# SLOTPAY_DATABASE_WAIT's default (60 s).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["/usr/local/bin/slotpay", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/slotpay"]
