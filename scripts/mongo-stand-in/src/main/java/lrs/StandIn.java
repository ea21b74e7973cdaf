package lrs;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.ServerVersion;
import de.bwaldvogel.mongo.backend.AbstractMongoBackend;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/**
 * Binds mongo-java-server to a host and port and waits.
 * Usage: StandIn HOST PORT memory | StandIn HOST PORT h2 FILE
 * The H2 backend keeps data in FILE so a restart loses nothing (npm start);
 * the memory backend gives every test run a fresh, empty server (npm test).
 */
public final class StandIn {
    public static void main(String[] args) throws Exception {
        if (args.length < 3 || ("h2".equals(args[2]) && args.length < 4)) {
            System.err.println("usage: StandIn HOST PORT memory | StandIn HOST PORT h2 FILE");
            System.exit(2);
        }
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        AbstractMongoBackend backend = "h2".equals(args[2]) ? new H2Backend(args[3]) : new MemoryBackend();
        backend.version(ServerVersion.MONGO_5_0);
        MongoServer server = new MongoServer(backend);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // H2 flushes its MVStore on close; without this a SIGTERM could drop the last writes.
            server.shutdownNow();
            backend.close();
        }));
        server.bind(host, port);
        System.out.println("mongo stand-in (" + args[2] + ") listening on " + host + ":" + port);
        Thread.currentThread().join();
    }
}
