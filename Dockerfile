# A Linux x86-64 machine for the workbook, for students on macOS, Windows or
# an arm64 laptop.  It installs with tools/install-deps, the script CI runs.
#
#   docker build --platform linux/amd64 -t grt .
#   docker run --platform linux/amd64 -it --rm -v "$PWD":/work --cap-add=SYS_PTRACE \
#       --security-opt seccomp=unconfined grt
#
# On an arm64 machine the image runs under emulation: see README.md ("Not on
# Linux x86-64?") for what that costs.
FROM --platform=linux/amd64 debian:bookworm
COPY tools/install-deps /usr/local/bin/install-deps
RUN bash /usr/local/bin/install-deps && rm -rf /var/lib/apt/lists/*
WORKDIR /work
CMD ["bash"]
