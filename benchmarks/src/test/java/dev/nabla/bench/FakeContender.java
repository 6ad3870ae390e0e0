package dev.nabla.bench;

import java.util.ArrayList;
import java.util.List;

/** A contender whose calls "take" a fixed time, recording what the runner asked of it. */
final class FakeContender implements Contender {
    final String name;
    final boolean nabla;
    final double secondsPerCall;
    final String failSetUp;
    final List<Integer> timedCalls = new ArrayList<>();
    int setUps;
    int tearDowns;
    /** How many more {@link #compiling()} calls answer true (a JIT still at work). */
    int compilingRounds;

    FakeContender(String name, boolean nabla, double secondsPerCall, String failSetUp) {
        this.name = name;
        this.nabla = nabla;
        this.secondsPerCall = secondsPerCall;
        this.failSetUp = failSetUp;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return "fake " + name;
    }

    @Override
    public boolean isNabla() {
        return nabla;
    }

    @Override
    public void setUp(Workload workload) {
        setUps++;
        if (failSetUp != null) {
            throw new IllegalStateException(failSetUp);
        }
    }

    @Override
    public double time(int calls) {
        timedCalls.add(calls);
        return calls * secondsPerCall;
    }

    @Override
    public boolean compiling() {
        return compilingRounds-- > 0;
    }

    @Override
    public void tearDown() {
        tearDowns++;
    }
}
