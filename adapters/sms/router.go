package sms

import (
	"context"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.SMSSender = (*Router)(nil)

// AnyRegion is the route of the regions no other route names.
const AnyRegion = "*"

// NoRouteMessage is the refusal of a number whose region has no route.
const NoRouteMessage = "SMS to this number's region is not supported"

// Router sends each message down the chain of its destination's region.
type Router struct {
	region func(mobile string) string
	routes map[string]ports.SMSSender
}

// NewRouter returns a sender choosing among routes (ISO 3166 region, or AnyRegion, to a
// sender: usually a Failover over the region's providers) by region(msg.Mobile), which is
// "" for a number no plan reads.
func NewRouter(region func(mobile string) string, routes map[string]ports.SMSSender) *Router {
	r := &Router{region: region, routes: make(map[string]ports.SMSSender, len(routes))}
	for k, v := range routes {
		r.routes[k] = v
	}
	return r
}

// Send passes msg, unchanged, to its region's route, or to the AnyRegion route. A number
// that has neither is refused (domain.ErrSMSRefused): no provider was chosen for it, and
// trying later would not change that.
func (r *Router) Send(ctx context.Context, msg ports.SMS) error {
	route, ok := r.routes[r.region(msg.Mobile)]
	if !ok {
		route, ok = r.routes[AnyRegion]
	}
	if !ok {
		return domain.ErrSMSRefused.WithParam(NoRouteMessage)
	}
	return route.Send(ctx, msg)
}
