# The spl daemon and CLI on an empty base. Build it with scripts/image, which assembles the
# context this file expects (no registry is involved):
#   rootfs/  the dynamic loader and the shared libraries of the JRE, RocksDB and /bin/sh (dash),
#            copied from the building machine, plus /etc/passwd, /etc/group, /etc/nsswitch.conf
#            and /tmp
#   jre/     a JRE made with jlink
#   app/     bin/spl (the launcher), lib/ (spl's jars), native/ (RocksDB's library)
#   data/    an empty folder: the daemon's home, owned by the spl user
# See docs/containers.md.
FROM scratch
COPY rootfs/ /
COPY jre/ /opt/spl/jre/
COPY app/ /opt/spl/
COPY --chown=10001:10001 data/ /data/

ENV PATH=/opt/spl/bin:/opt/spl/jre/bin:/bin \
    LANG=C.UTF-8 \
    SPL_HOME=/data
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 9100
STOPSIGNAL SIGTERM

# Exec form, and bin/spl execs the JVM: the JVM is process 1, receives SIGTERM from docker stop
# and shuts the daemon down cleanly (exit 143). Binding 0.0.0.0 needs a token (SPL_TOKEN or
# --token); without one the daemon refuses to start and says so. The default command serves plain
# HTTP on the container's network, asked for by name (--insecure-http, logged as a warning); give
# a command with --tls-cert/--tls-key (files on a volume) to serve HTTPS instead.
ENTRYPOINT ["/opt/spl/bin/spl"]
CMD ["daemon", "run", "--bind", "0.0.0.0", "--insecure-http", "--port", "9100"]
