package io.kessai.payment.funding;

import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.kessai.payment.Money;

/** A top-up: which of my cards to charge and how much to credit to my wallet. */
@Schema(example = """
        {"cardId": "0190d7f2-3c4e-7a1b-9c2d-5e6f7a8b9c0d", "amount": {"amount": 5000, "currency": "JPY"}}""")
public record TopupRequest(@NotNull UUID cardId, @NotNull @Valid Money amount) {
}
