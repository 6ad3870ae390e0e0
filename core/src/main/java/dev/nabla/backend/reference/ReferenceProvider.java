package dev.nabla.backend.reference;

import dev.nabla.backend.Backend;
import dev.nabla.backend.BackendProvider;
import dev.nabla.backend.Probe;
import java.util.List;

/** The always-available scalar backend. Chosen automatically only when no other CPU backend loads. */
public final class ReferenceProvider implements BackendProvider {

    private static final ReferenceBackend INSTANCE = new ReferenceBackend();

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public int priority() {
        return 1000;
    }

    @Override
    public Probe probe() {
        return Probe.available(List.of(INSTANCE.info()));
    }

    @Override
    public Backend open(int index) {
        return INSTANCE;
    }
}
