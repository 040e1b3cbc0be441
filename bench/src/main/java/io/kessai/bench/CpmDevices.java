package io.kessai.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.kessai.cpm.CpmCodes;

/**
 * The devices that pay with customer-presented codes, each holding the payment key payment-service issued to it and
 * deriving its codes offline as the app does (cpm-reference's {@link CpmCodes}). payment-service accepts a code once
 * and refuses it once a later code of the same device paid, so a device shows its codes in order (the counter counts
 * up within a time step) and one at a time: the next waits until the till has the answer to the last. Idle devices
 * take turns, so the load spreads over all of them.
 */
final class CpmDevices {

    /** A device with its key; only the load thread that took it from the idle queue touches its counter. */
    static final class Device {

        private final String customerId;
        private final byte[] key;
        private final int reference;
        private long shownStep = Long.MIN_VALUE;
        private int counter;

        Device(String customerId, byte[] key, int reference) {
            this.customerId = customerId;
            this.key = key.clone();
            this.reference = reference;
        }

        /** The key holder's user id: the payment's customer. */
        String customerId() {
            return customerId;
        }

        /**
         * The next code at {@code now} with time steps of {@code step}, or null when the device has shown all {@link CpmCodes#COUNTERS} codes of this
         * time step. The counter starts at 0 in each step: codes are ordered by step, then counter, so the first code
         * of a step comes after every code of the step before.
         */
        private String next(Instant now, Duration step) {
            long timeStep = CpmCodes.timeStep(now, step);
            if (timeStep != shownStep) {
                shownStep = timeStep;
                counter = 0;
            }
            if (counter == CpmCodes.COUNTERS) {
                return null;
            }
            return CpmCodes.code(key, reference, timeStep, counter++);
        }
    }

    /** A code a device shows at a till, and the device, to be handed back with {@link #done}. */
    record Shown(Device device, String code) {
    }

    private final int count;
    private final Duration step;
    private final ConcurrentLinkedQueue<Device> idle;

    CpmDevices(List<Device> devices, Duration step) {
        this.count = devices.size();
        this.step = step;
        this.idle = new ConcurrentLinkedQueue<>(devices);
    }

    int count() {
        return count;
    }

    /** The most codes per second the devices can show (each shows 100 per time step at most). */
    double maxCodesPerSecond() {
        return (double) count * CpmCodes.COUNTERS / step.toSeconds();
    }

    /**
     * The code the longest idle device shows at {@code now}, or null when none can: every device is at a till, or has
     * shown all its codes of this time step.
     */
    Shown show(Instant now) {
        for (int tries = count; tries > 0; tries--) {
            Device device = idle.poll();
            if (device == null) {
                return null;
            }
            String code = device.next(now, step);
            if (code != null) {
                return new Shown(device, code);
            }
            idle.add(device); // no code left until the next step
        }
        return null;
    }

    /** The till has the answer to the device's code: the device may show its next one. */
    void done(Device device) {
        idle.add(device);
    }
}
