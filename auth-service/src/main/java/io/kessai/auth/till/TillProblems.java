package io.kessai.auth.till;

import io.kessai.common.problem.ProblemException;

/** The domain problems of the owner's till endpoints (docs/api.md, "Merchants, stores and tills"). */
final class TillProblems {

    private TillProblems() {
    }

    /** Also for another owner's merchant: which merchants exist is nobody else's business. */
    static ProblemException merchantNotFound() {
        return new ProblemException(404, "merchant-not-found", "Merchant not found",
                "You hold no merchant with this id.");
    }

    static ProblemException tillNotFound() {
        return new ProblemException(404, "till-not-found", "Till not found",
                "This merchant has no working till credential with this id.");
    }

    static ProblemException storeNotFound() {
        return new ProblemException(422, "store-not-found", "Store not found",
                "The merchant has no open store with this storeId.");
    }

    static ProblemException merchantNotActive(String status) {
        return new ProblemException(409, "merchant-not-active", "Merchant not active",
                "The merchant is " + status.replace('_', ' ') + ": till credentials are made and renewed only for "
                        + "an active merchant.");
    }

    static ProblemException tillExists() {
        return new ProblemException(409, "till-exists", "Till exists",
                "This store already has a working till credential for this terminalId: revoke it first, or give "
                        + "it a new secret.");
    }

    static ProblemException limitReached(int max) {
        return new ProblemException(409, "till-limit-reached", "Till limit reached",
                "This merchant has " + max + " working till credentials, the most it may have: revoke one first.");
    }
}
