package interactionz

import "github.com/customercloud/home/shared/contract"

// Rules is the billing rule table of docs/PRODUCT.md ("Interactionz"), the
// only place it is written down: which events are billable, and in which
// lane. An event that matches
// no row is not billable.
var Rules = []Rule{
	{Type: contract.MessageReceived, Field: "routedTo", Value: contract.RoutedBot, Lane: LaneBot, Billable: true},
	{Type: contract.MessageReceived, Field: "routedTo", Value: contract.RoutedHuman, Lane: LaneHuman, Billable: true},
	{Type: contract.MessageSent, Field: "sender", Value: contract.SenderAgent, Lane: LaneHuman, Billable: true},
	{Type: contract.MessageSent, Field: "sender", Value: contract.SenderBot, Lane: LaneBot, Billable: true},
	{Type: contract.MessageSent, Field: "sender", Value: contract.SenderExpertAgent, Lane: LaneExpertAgent, Billable: true},
	{Type: contract.MessageSent, Field: "sender", Value: contract.SenderCampaign, Billable: false},
	{Type: contract.MessageSent, Field: "sender", Value: contract.SenderAutoReply, Billable: false},
	{Type: contract.TicketOpened, Field: "visibility", Value: contract.VisibilityPublic, Lane: LaneHuman, Billable: true},
	{Type: contract.TicketOpened, Field: "visibility", Value: contract.VisibilityInternal, Billable: false},
	{Type: contract.TicketUpdated, Field: "public", Value: "true", Lane: LaneHuman, Billable: true},
	{Type: contract.TicketUpdated, Field: "public", Value: "false", Billable: false},
	{Type: contract.TicketClosed, Billable: false},
}
