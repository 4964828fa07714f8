"""The credit gateway's client: the wire contract (``contract``), signing and verifying
webhooks (``receiver``), the log's proofs, and the ``gateway`` command line (``cli``) a
platform, a subscriber and the operator use."""
