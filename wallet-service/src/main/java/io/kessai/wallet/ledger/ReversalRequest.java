package io.kessai.wallet.ledger;

import java.util.List;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.kessai.common.json.FreeForm;

/**
 * What to reverse: everything not yet reversed (no amount, no legs), part of a single-leg transfer ({@code amount}),
 * or chosen parts of chosen legs ({@code legs}).
 */
@Schema(example = """
        {"amount": 500, "reference": "refund_01J9Z7", "metadata": {"reason": "customer returned one item"}}""")
public record ReversalRequest(Long amount, @Size(min = 1) List<@NotNull @Valid LegAmount> legs,
        @Size(max = 200) String reference, @Size(max = 50) @FreeForm Map<String, Object> metadata) {

    public record LegAmount(@NotNull @PositiveOrZero Integer leg, Long amount) {
    }
}
