package ws

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/events"
)

// A staff connection's rights follow the member's current membership, as an HTTP request's do
// (auth.Authority). The connection reads the membership at connection_init, after subscribing to
// the member's MembershipChanged events; again when each operation starts (as each HTTP request
// does); and again on each MembershipChanged event (published, on whichever instance, in the
// transaction that changes or removes the membership) and on RESYNC (events may have been
// missed), for the subscriptions already running. A removed member's connection is closed with
// CloseForbidden (1008, which graphql-ws does not retry); a demoted member's subscriptions that
// the new role may not hold end with FORBIDDEN, and the others go on with the new role (every
// operation reads the caller through the connection's one Authority).

// membershipReadTimeout bounds one read of the membership.
const membershipReadTimeout = 5 * time.Second

// authorize subscribes to the member's membership changes and reads the membership; it closes the
// connection and reports false when the member may not use it.
func (c *connection) authorize(a *auth.Authority) bool {
	token := a.Token()
	c.mu.Lock()
	c.authority = a
	c.mu.Unlock()
	if c.t.events != nil {
		f := events.Filter{TenantID: token.TenantID, UserID: token.UserID, Kinds: []events.Kind{events.MembershipChanged}}
		// Called under the broker's mutex: only note the change; ended by the broker only when it
		// closes (the delivery never refuses).
		watch, err := c.t.events.SubscribeFunc(f, func(*events.Event) bool { c.membershipChanged(); return true },
			func(error) { c.close(CloseGoingAway, "server shutting down") })
		if err != nil {
			c.close(CloseGoingAway, "server shutting down")
			return false
		}
		c.mu.Lock()
		c.watch = watch
		closing := c.closing
		c.mu.Unlock()
		if closing { // the init timeout fired meanwhile, and drop may have run before watch was set
			c.unwatch()
			return false
		}
	}
	ctx, cancel := context.WithTimeout(c.ctx, membershipReadTimeout)
	defer cancel()
	if _, err := a.Principal(ctx); err != nil {
		c.refuse(err)
		return false
	}
	return true
}

// refuse closes a connection whose membership is gone (CloseForbidden) or could not be read (CloseMembershipUnknown).
func (c *connection) refuse(err error) {
	if errors.Is(err, auth.ErrNotMember) {
		c.connectionError(err.Error())
		c.close(CloseForbidden, "Forbidden: not a member of this business")
		return
	}
	c.t.log.ErrorContext(c.ctx, "WebSocket membership check failed", "error", err.Error())
	c.connectionError("could not check the membership")
	c.close(CloseMembershipUnknown, "could not check the membership: reconnect")
}

// membershipChanged notes that the membership must be read again, and starts the goroutine that
// reads it unless one is running. It is called under the broker's mutex, so it only notes.
func (c *connection) membershipChanged() {
	c.mu.Lock()
	c.recheck = true
	start := !c.rechecking && !c.closing && c.authority != nil
	if start {
		c.rechecking = true
	}
	c.mu.Unlock()
	if start {
		go c.recheckMembership()
	}
}

// recheckMembership reads the membership until no change is left unread (several changes in a row
// cost a read or two, not one each).
func (c *connection) recheckMembership() {
	for {
		c.mu.Lock()
		if !c.recheck || c.closing {
			c.rechecking = false
			c.mu.Unlock()
			return
		}
		c.recheck = false
		c.mu.Unlock()
		c.readMembership() // closing when it fails: the loop ends
	}
}

// readMembership reads a staff connection's membership again and acts on it: without one the
// connection is closed, and operations the role no longer admits end. It reports whether the
// connection goes on (always, for a connection without a staff token).
func (c *connection) readMembership() bool {
	c.mu.Lock()
	a := c.authority
	c.mu.Unlock()
	if a == nil {
		return true
	}
	ctx, cancel := context.WithTimeout(c.ctx, membershipReadTimeout)
	p, err := a.Refresh(ctx)
	cancel()
	if err != nil {
		c.refuse(err)
		return false
	}
	c.endOperationsBeyond(p.Role)
	return true
}

// errRoleLost ends an operation that the member's new role may not run.
var errRoleLost = apperr.New(apperr.Forbidden, "your role in this business changed and no longer allows this operation")

// endOperationsBeyond ends, with FORBIDDEN, the subscriptions whose root fields the role may not use.
func (c *connection) endOperationsBeyond(role models.Role) {
	c.mu.Lock()
	ops := slices.Clone(c.operations)
	c.mu.Unlock()
	for _, op := range ops {
		op.mu.Lock()
		admitted := rolesAdmit(op.roles, role)
		op.mu.Unlock()
		if admitted {
			continue
		}
		op.fail(op.c.exec.DispatchError(op.ctx, gqlerror.List{{Message: errRoleLost.Message, Extensions: map[string]any{"code": string(apperr.Forbidden)}}}).Errors)
	}
}

// unwatch ends the connection's subscription to its membership changes. Never called under the
// broker's mutex or c.mu (it takes the broker's).
func (c *connection) unwatch() {
	c.mu.Lock()
	watch := c.watch
	c.watch = nil
	c.mu.Unlock()
	if watch != nil {
		watch.Close()
	}
}

// rolesAdmit reports whether role may keep an operation restricted to roles (nil: unrestricted).
func rolesAdmit(roles []models.Role, role models.Role) bool {
	return roles == nil || slices.Contains(roles, role)
}
