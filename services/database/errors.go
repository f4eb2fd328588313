package database

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
)

// PostgreSQL error codes the stores translate into domain errors.
const (
	CodeUniqueViolation       = "23505"
	CodeExclusionViolation    = "23P01"
	CodeForeignKeyViolation   = "23503"
	CodeCheckViolation        = "23514"
	CodeRLSViolation          = "42501" // insufficient_privilege, raised by WITH CHECK policies
	CodeInsufficientPrivilege = "42501"
	CodeSerialization         = "40001"
	CodeDeadlock              = "40P01"
)

// PgError returns the PostgreSQL error in err's chain, if any.
func PgError(err error) (*pgconn.PgError, bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr, true
	}
	return nil, false
}

// IsCode reports whether err is a PostgreSQL error with the given SQLSTATE, and the constraint name.
func IsCode(err error, code string) (bool, string) {
	if pgErr, ok := PgError(err); ok && pgErr.Code == code {
		return true, pgErr.ConstraintName
	}
	return false, ""
}
