package interactionz

import "github.com/customercloud/home/shared/event"

// Rules is the billing rule table of docs/PRODUCT.md ("Interactionz"), the
// only place it is written down: which events are billable, and in which
// lane. An event that matches
// no row is not billable.
var Rules = []Rule{
	{Type: event.MessageReceived, Field: "routedTo", Value: event.RoutedBot, Lane: LaneBot, Billable: true},
	{Type: event.MessageReceived, Field: "routedTo", Value: event.RoutedHuman, Lane: LaneHuman, Billable: true},
	{Type: event.MessageSent, Field: "sender", Value: event.SenderAgent, Lane: LaneHuman, Billable: true},
	{Type: event.MessageSent, Field: "sender", Value: event.SenderBot, Lane: LaneBot, Billable: true},
	{Type: event.MessageSent, Field: "sender", Value: event.SenderExpertAgent, Lane: LaneExpertAgent, Billable: true},
	{Type: event.MessageSent, Field: "sender", Value: event.SenderCampaign, Billable: false},
	{Type: event.MessageSent, Field: "sender", Value: event.SenderAutoReply, Billable: false},
	{Type: event.TicketOpened, Field: "visibility", Value: event.VisibilityPublic, Lane: LaneHuman, Billable: true},
	{Type: event.TicketOpened, Field: "visibility", Value: event.VisibilityInternal, Billable: false},
	{Type: event.TicketUpdated, Field: "public", Value: "true", Lane: LaneHuman, Billable: true},
	{Type: event.TicketUpdated, Field: "public", Value: "false", Billable: false},
	{Type: event.TicketClosed, Billable: false},
}
