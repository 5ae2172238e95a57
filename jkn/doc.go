// Package jkn holds the BPJS Kesehatan / JKN domain facts VIKA speaks about, as code: the structure of identity
// numbers (NIK and JKN card number), masking and keyed hashing of those numbers for logs, membership segments and
// status codes, REHAB (instalment plan) eligibility, and the shape of a dated contribution tariff.
//
// It owns rules, not data access: it must not know about SQL, telephony or prompts. Values that public sources give
// with doubt (province codes, tariffs) are kept as data tables with a comment saying where they come from.
package jkn
