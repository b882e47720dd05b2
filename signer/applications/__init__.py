"""Applications (申请): kinds, statuses, review, KEY shipping, documents, uploads and the Lifecycle aggregate."""
