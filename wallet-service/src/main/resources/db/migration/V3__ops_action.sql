-- What operators did to money (issue 12): each ops reversal, who made it (the operator's user id and the sign-in
-- session of the step-up that allowed it), why (the ticket), and which transfers. Written in the reversal's own
-- transaction, so there is no reversal without its row and no row without its reversal. Append-only.
CREATE TABLE ops_action (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    action      text NOT NULL CHECK (action IN ('reversal')),
    operator    text NOT NULL,
    session     text NOT NULL,
    reason      text NOT NULL,
    original_id uuid NOT NULL,
    transfer_id uuid NOT NULL UNIQUE,
    amount      bigint NOT NULL CHECK (amount > 0)
);
CREATE INDEX ops_action_by_operator ON ops_action (operator, id DESC);
CREATE INDEX ops_action_by_original ON ops_action (original_id);
