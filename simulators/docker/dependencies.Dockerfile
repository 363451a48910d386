# The dependency layer of the simulator image: Node plus the project's installed node_modules. It changes only when
# the dependencies or the base change, so source edits rebuild only the small image on top (simulators/docker/Dockerfile).
#
#   npm ci && docker build -f simulators/docker/dependencies.Dockerfile -t iec62443-harness-dependencies .
#
# BASE_IMAGE defaults to the official Node slim image. Without a registry, build a base from the installed Node:
#   --build-arg BASE_IMAGE=$(simulators/docker/build-base-image.sh | tail -n 1)
# node_modules is copied, not installed again: the build needs no registry and the container runs the exact
# dependency tree the host tests with (so build on Linux, with the container's CPU architecture).
ARG BASE_IMAGE=node:20-slim
FROM ${BASE_IMAGE}

WORKDIR /opt/iec62443-harness
ENV NODE_ENV=production NO_COLOR=1 HOME=/tmp
COPY package.json package-lock.json ./
COPY node_modules ./node_modules
