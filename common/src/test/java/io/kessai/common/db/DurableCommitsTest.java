package io.kessai.common.db;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

class DurableCommitsTest {

    @Test
    void onlySettingsThatLoseAcknowledgedCommitsAreUnsafe() {
        assertEquals(List.of(), DurableCommits.unsafe("on", "on"));
        assertEquals(List.of(), DurableCommits.unsafe("local", "on"), "local still waits for the local WAL flush");
        assertEquals(List.of(), DurableCommits.unsafe("remote_apply", "on"));
        assertEquals(List.of("synchronous_commit=off"), DurableCommits.unsafe("off", "on"));
        assertEquals(List.of("fsync=off"), DurableCommits.unsafe("on", "off"));
        assertEquals(List.of("synchronous_commit=off", "fsync=off"), DurableCommits.unsafe("OFF", "off"));
    }
}
