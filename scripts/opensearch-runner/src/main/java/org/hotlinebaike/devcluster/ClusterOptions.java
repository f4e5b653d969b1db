package org.hotlinebaike.devcluster;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command-line options of {@link DevCluster}.
 *
 * <p>Parsed by hand rather than through the runner's args4j options because the runner's own
 * {@code -baseHttpPort} means "node i on base + i, drifting upwards past busy ports", which is
 * exactly the behaviour the launcher must not have: a caller that asked for port P has to get P
 * or a loud failure.
 */
record ClusterOptions(Path baseDir, int nodes, int httpPort, int transportPort, String clusterName) {

    static final int MAX_NODES = 9;
    static final int TRANSPORT_OFFSET = 100;
    static final String USAGE = String.join("\n",
            "usage: DevCluster --base DIR [--nodes N] [--port P] [--transport-port T] [--cluster-name NAME]",
            "  --base DIR           data/log/config root; node i lives in DIR/node_i (required)",
            "  --nodes N            1.." + MAX_NODES + " nodes in this JVM (default 1)",
            "  --port P             HTTP port of node 1; node i listens on P+i-1 (default 9200)",
            "  --transport-port T   transport port of node 1; node i on T+i-1 (default P+" + TRANSPORT_OFFSET + ")",
            "  --cluster-name NAME  cluster.name (default hotline-dev)");

    /** Raised for unusable arguments; the message is meant for the person at the terminal. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(final String message) {
            super(message);
        }
    }

    static ClusterOptions parse(final String[] args) throws UsageException {
        Path base = null;
        int nodes = 1;
        int port = 9200;
        Integer transport = null;
        String name = "hotline-dev";
        for (int i = 0; i < args.length; i++) {
            final String flag = args[i];
            if ("--help".equals(flag) || "-h".equals(flag)) {
                throw new UsageException(USAGE);
            }
            if (i + 1 >= args.length) {
                throw new UsageException("missing value after " + flag + "\n" + USAGE);
            }
            final String value = args[++i];
            switch (flag) {
                case "--base" -> base = Path.of(value).toAbsolutePath().normalize();
                case "--nodes" -> nodes = parseInt(flag, value, 1, MAX_NODES);
                case "--port" -> port = parseInt(flag, value, 1024, 65535);
                case "--transport-port" -> transport = parseInt(flag, value, 1024, 65535);
                case "--cluster-name" -> name = requireName(value);
                default -> throw new UsageException("unknown option " + flag + "\n" + USAGE);
            }
        }
        if (base == null) {
            throw new UsageException("--base is required\n" + USAGE);
        }
        final int transportPort = transport == null ? port + TRANSPORT_OFFSET : transport;
        final ClusterOptions options = new ClusterOptions(base, nodes, port, transportPort, name);
        options.checkPortRanges();
        return options;
    }

    int httpPortOf(final int nodeNumber) {
        return httpPort + nodeNumber - 1;
    }

    int transportPortOf(final int nodeNumber) {
        return transportPort + nodeNumber - 1;
    }

    static String nodeName(final int nodeNumber) {
        return "node-" + nodeNumber;
    }

    /** Every port this cluster will bind, HTTP first; used for the up-front "is it free" check. */
    List<Integer> allPorts() {
        final List<Integer> ports = new ArrayList<>();
        for (int n = 1; n <= nodes; n++) {
            ports.add(httpPortOf(n));
        }
        for (int n = 1; n <= nodes; n++) {
            ports.add(transportPortOf(n));
        }
        return ports;
    }

    private void checkPortRanges() throws UsageException {
        if (httpPortOf(nodes) > 65535 || transportPortOf(nodes) > 65535) {
            throw new UsageException("port range runs past 65535");
        }
        final boolean overlap = transportPort <= httpPortOf(nodes) && httpPort <= transportPortOf(nodes);
        if (overlap) {
            throw new UsageException("HTTP ports " + httpPort + ".." + httpPortOf(nodes)
                    + " overlap transport ports " + transportPort + ".." + transportPortOf(nodes));
        }
    }

    private static int parseInt(final String flag, final String value, final int min, final int max)
            throws UsageException {
        final int parsed;
        try {
            parsed = Integer.parseInt(value);
        } catch (final NumberFormatException e) {
            throw new UsageException(flag + " expects a number, got '" + value + "'");
        }
        if (parsed < min || parsed > max) {
            throw new UsageException(flag + " must be within " + min + ".." + max + ", got " + parsed);
        }
        return parsed;
    }

    private static String requireName(final String value) throws UsageException {
        if (!value.matches("[A-Za-z0-9][A-Za-z0-9_-]{0,63}")) {
            throw new UsageException("--cluster-name must be 1-64 of [A-Za-z0-9_-], got '" + value + "'");
        }
        return value;
    }
}
