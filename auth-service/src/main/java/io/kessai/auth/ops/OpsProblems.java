package io.kessai.auth.ops;

import java.util.UUID;

import io.kessai.auth.Ids;
import io.kessai.common.problem.ProblemException;

/** The domain problems of the ops endpoints (docs/api.md, "Ops endpoints"). */
final class OpsProblems {

    private OpsProblems() {
    }

    static ProblemException userNotFound() {
        return new ProblemException(404, "user-not-found", "User not found", "No user has this id or phone number.");
    }

    static ProblemException deviceNotFound() {
        return new ProblemException(404, "device-not-found", "Device not found",
                "This user has never signed in from a device with this id.");
    }

    static ProblemException userPending() {
        return new ProblemException(409, "user-pending", "Registration not confirmed",
                "This user has not confirmed the registration yet; only active or frozen users can be frozen or "
                        + "unfrozen.");
    }

    /** A user id as ops typed it; anything that is not a UUID names no user (the same 404 as an unknown one). */
    static UUID userId(String text) {
        return Ids.uuid(text).orElse(null);
    }

    static UUID existingUserId(String text) {
        UUID id = userId(text);
        if (id == null) {
            throw userNotFound();
        }
        return id;
    }
}
