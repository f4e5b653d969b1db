package org.hotlinebaike.devcluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.codelibs.opensearch.runner.OpenSearchRunner;
import org.opensearch.cluster.health.ClusterHealthStatus;
import org.opensearch.common.settings.Settings;

/**
 * Starts a real OpenSearch cluster (1..9 nodes in this JVM) on 127.0.0.1 for development, tests
 * and CI, and keeps it running until the JVM is asked to stop (SIGTERM/SIGINT).
 *
 * <p>Why our own main class instead of {@code OpenSearchRunner.main}: the runner's CLI puts node i
 * on {@code baseHttpPort + i}, silently moves past ports in use and gives up above its
 * {@code maxHttpPort} (9299). Callers of {@code scripts/opensearch --port P} need node 1 on exactly
 * P, node i on P+i-1, and a loud failure when any of those ports is taken; so the ports are checked
 * here up front and pinned per node through the runner's settings hook.
 *
 * <p>Exit codes: 0 after a clean shutdown, 2 bad arguments, 3 a port is in use, 4 the cluster
 * failed to start, 5 every node closed although no shutdown was requested.
 */
public final class DevCluster {

    static final int EXIT_USAGE = 2;
    static final int EXIT_PORT_IN_USE = 3;
    static final int EXIT_START_FAILED = 4;
    static final int EXIT_NODES_CLOSED = 5;

    private static final String LOOPBACK = "127.0.0.1";

    private DevCluster() {
    }

    public static void main(final String[] args) {
        final ClusterOptions options;
        try {
            options = ClusterOptions.parse(args);
        } catch (final ClusterOptions.UsageException e) {
            System.err.println(e.getMessage());
            System.exit(EXIT_USAGE);
            return;
        }
        final List<Integer> busy = busyPorts(options.allPorts());
        if (!busy.isEmpty()) {
            System.err.println("[devcluster] FAILED: port(s) already in use on " + LOOPBACK + ": " + busy
                    + " (http " + options.httpPort() + ".." + options.httpPortOf(options.nodes())
                    + ", transport " + options.transportPort() + ".." + options.transportPortOf(options.nodes()) + ")");
            System.exit(EXIT_PORT_IN_USE);
            return;
        }
        System.exit(run(options));
    }

    /** Starts the cluster, reports its health, then blocks until a shutdown hook has closed it. */
    private static int run(final ClusterOptions options) {
        final long started = System.nanoTime();
        final OpenSearchRunner runner = new OpenSearchRunner();
        final CountDownLatch closed = new CountDownLatch(1);
        final AtomicBoolean stopping = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping.set(true);
            closeQuietly(runner);
            closed.countDown();
        }, "devcluster-shutdown"));
        try {
            // Negative disables the runner's port probing: our settings below pin every port exactly.
            runner.setMaxHttpPort(-1);
            runner.onBuild((nodeNumber, settings) -> pinNodeSettings(options, nodeNumber, settings));
            runner.build(OpenSearchRunner.newConfigs()
                    .basePath(options.baseDir().toString())
                    .numOfNode(options.nodes())
                    .baseHttpPort(options.httpPort() - 1)
                    .clusterName(options.clusterName())
                    .printOnFailure());
        } catch (final RuntimeException e) {
            System.err.println("[devcluster] FAILED to start: " + e);
            e.printStackTrace();
            return EXIT_START_FAILED;
        }
        reportHealth(runner, options, started);
        return awaitShutdown(runner, options, closed, stopping);
    }

    /**
     * Logs the first yellow (or why not yet). Deliberately not fatal: on a loaded machine a
     * several-node cluster can need longer than one health wait, and scripts/opensearch owns the
     * start-up deadline by polling HTTP health itself.
     */
    private static void reportHealth(final OpenSearchRunner runner, final ClusterOptions options,
            final long started) {
        String health;
        try {
            final ClusterHealthStatus status = runner.ensureYellow();
            health = String.valueOf(status);
        } catch (final RuntimeException e) {
            health = "NOT_YET(" + e.getClass().getSimpleName() + ")";
        }
        final long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.println("[devcluster] READY cluster=" + options.clusterName() + " nodes=" + runner.getNodeSize()
                + " health=" + health + " http=http://" + LOOPBACK + ":" + options.httpPort()
                + " started_in_ms=" + millis);
    }

    /** Waits for SIGTERM/SIGINT; exits on its own if every node has closed without one. */
    private static int awaitShutdown(final OpenSearchRunner runner, final ClusterOptions options,
            final CountDownLatch closed, final AtomicBoolean stopping) {
        try {
            while (!closed.await(1, TimeUnit.SECONDS)) {
                stopRequestedNodes(runner, options);
                // Nodes closing because the hook is closing them is the normal way out, not a failure.
                if (!stopping.get() && runner.isClosed()) {
                    System.err.println("[devcluster] FAILED: all nodes closed without a shutdown request");
                    return EXIT_NODES_CLOSED;
                }
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /**
     * Closes node N when a file {@code control/stop-node-N} appears under the cluster's base dir
     * (the file is removed first). Why: every node lives in this one JVM, so a fault test cannot
     * kill one node's process; closing the node drops its HTTP and transport ports like a crash
     * would (the other nodes see it leave and promote replicas).
     */
    private static void stopRequestedNodes(final OpenSearchRunner runner, final ClusterOptions options) {
        for (int n = 1; n <= options.nodes(); n++) {
            final Path request = options.baseDir().resolve("control").resolve("stop-node-" + n);
            if (!Files.exists(request)) {
                continue;
            }
            try {
                Files.deleteIfExists(request);
                runner.getNode(n - 1).close();
                System.out.println("[devcluster] STOPPED node " + ClusterOptions.nodeName(n) + " on request");
            } catch (final IOException | RuntimeException e) {
                System.err.println("[devcluster] could not stop node " + n + ": " + e);
            }
        }
    }

    /** Settings every node gets; the runner only fills in what we leave unset. */
    private static void pinNodeSettings(final ClusterOptions options, final int nodeNumber,
            final Settings.Builder settings) {
        settings.put("node.name", ClusterOptions.nodeName(nodeNumber));
        settings.put("network.host", LOOPBACK);
        settings.put("http.port", options.httpPortOf(nodeNumber));
        settings.put("transport.port", options.transportPortOf(nodeNumber));
        // Developer disks are often nearly full; watermarks would turn indices read-only mid-test.
        settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
        if (options.nodes() == 1) {
            settings.put("discovery.type", "single-node");
            return;
        }
        final List<String> seeds = new ArrayList<>();
        for (int n = 1; n <= options.nodes(); n++) {
            seeds.add(LOOPBACK + ":" + options.transportPortOf(n));
        }
        settings.putList("discovery.seed_hosts", seeds);
        // Only node 1 bootstraps: nodes start one after another in this thread, and node 1 must
        // not wait for a quorum of peers that have not been started yet. The voting configuration
        // grows to all nodes as they join.
        settings.putList("cluster.initial_cluster_manager_nodes", ClusterOptions.nodeName(1));
        // On a restart over existing data the voting configuration already holds every node, so
        // node 1 alone has no quorum; without this its start() would sit out the 30 s default
        // before the runner even starts node 2. Health is awaited after all nodes are up instead.
        settings.put("discovery.initial_state_timeout", "0s");
    }

    private static List<Integer> busyPorts(final List<Integer> ports) {
        final List<Integer> busy = new ArrayList<>();
        for (final int port : ports) {
            try (ServerSocket socket = new ServerSocket()) {
                // Same as OpenSearch's own bind (network.tcp.reuse_address): a port that only has
                // TIME_WAIT leftovers of a stopped cluster is free, a port someone listens on is not.
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port));
            } catch (final IOException e) {
                busy.add(port);
            }
        }
        return busy;
    }

    private static void closeQuietly(final OpenSearchRunner runner) {
        try {
            runner.close();
        } catch (final IOException | RuntimeException e) {
            System.err.println("[devcluster] error while closing: " + e);
        }
    }
}
