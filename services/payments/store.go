package payments

import (
	"crypto/sha256"
	"encoding/json"

	"gorm.io/gorm/clause"

	"github.com/slotpay/slotpay/services/database"
)

func isUnique(err error) (bool, string) { return database.IsCode(err, database.CodeUniqueViolation) }

// requestHash fingerprints an operation's content, so a reused idempotency key with other content
// is recognised.
func requestHash(v any) []byte {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return sum[:]
}

var lockUpdate = clause.Locking{Strength: "UPDATE"}
