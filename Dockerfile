# syntax=docker/dockerfile:1
# ecsmedic's image: a static binary on distroless, running as uid 65532.
#   docker build -t ecsmedic --build-arg VERSION=$(git describe --tags --always) .
#   docker run -e DISCORD_TOKEN \
#     -v $PWD/ecsmedic.yaml:/etc/ecsmedic/ecsmedic.yaml:ro \
#     -v ecsmedic-data:/var/lib/ecsmedic ecsmedic
# Secrets never go in here: the Discord token and the button key come from
# the environment at run time (on ECS: the task definition's `secrets`).

# The Go that builds the image is this tag's: the golang images set
# GOTOOLCHAIN=local, so go.mod's toolchain line does not apply inside. Keep
# the two equal (deploy/dockerfile_test.go checks) and on a patched release.
FROM golang:1.26.11-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/ecsmedic . \
 && /out/ecsmedic version \
 && mkdir -p /out/data /out/etc

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
# The SPDX id of the project's licence, once it has a LICENSE file.
ARG LICENSE=NOASSERTION
LABEL org.opencontainers.image.title="ecsmedic" \
      org.opencontainers.image.description="A Discord chat-ops bot that tells small teams why their Amazon ECS tasks stopped" \
      org.opencontainers.image.source="https://github.com/ecsmedic/ecsmedic" \
      org.opencontainers.image.licenses="${LICENSE}" \
      org.opencontainers.image.version="${VERSION}"
# distroless/static has the CA certificates (/etc/ssl/certs) and the zone
# database (/usr/share/zoneinfo); the binary embeds time/tzdata as well.
COPY --from=build /out/ecsmedic /ecsmedic
COPY --from=build --chown=65532:65532 /out/data /var/lib/ecsmedic
COPY --from=build --chown=65532:65532 /out/etc /etc/ecsmedic
USER 65532:65532
# The store (./ecsmedic.db by default) and its button key live on the
# volume: the working directory is the volume.
WORKDIR /var/lib/ecsmedic
VOLUME ["/var/lib/ecsmedic"]
ENV ECSMEDIC_CONFIG=/etc/ecsmedic/ecsmedic.yaml
# /healthz is served on the config's http.addr (127.0.0.1:9090 by default),
# inside the container; `ecsmedic health` asks it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["/ecsmedic", "health"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/ecsmedic"]
CMD ["run"]
