// Package gen generates realistic event streams for an organization: a
// contact base with Brazilian phones over many DDDs (and some foreign or
// missing), and conversations of the kinds docs/PRODUCT.md ("Interactionz")
// bills — mass sends and replies, chatbot sessions, escalations to tickets,
// internal tickets, expert agents — with customer texts in Portuguese,
// Spanish and English. The demo seed, the randomized oracle tests and the
// benchmarks all draw from it.
package gen

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/geo/uf"
)

// Options shape a stream.
type Options struct {
	Org      string
	Contacts int
	Days     int
	// Now is the end of the stream; event times are in (Now-Days, Now].
	Now time.Time
	// Intensity scales conversations per contact per day (default 0.15).
	Intensity float64
	Seed      uint64
}

// Stream is a generated stream, in time order.
type Stream struct {
	Org    string
	Events []contract.Event
}

type g struct {
	r   *rand.Rand
	o   Options
	seq int
	out []contract.Event
}

// Generate builds a stream.
func Generate(o Options) Stream {
	if o.Intensity == 0 {
		o.Intensity = 0.15
	}
	gg := &g{r: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)), o: o}
	gg.org()
	for i := 0; i < o.Contacts; i++ {
		gg.contact(fmt.Sprintf("c-%05d", i))
	}
	sort.SliceStable(gg.out, func(i, j int) bool { return gg.out[i].Time.Before(gg.out[j].Time) })
	return Stream{Org: o.Org, Events: gg.out}
}

func (g *g) start() time.Time { return g.o.Now.Add(-time.Duration(g.o.Days) * 24 * time.Hour) }

func (g *g) at(t time.Time) time.Time {
	if t.After(g.o.Now) {
		return g.o.Now
	}
	return t.Truncate(time.Millisecond)
}

func (g *g) emit(source string, typ contract.Type, t time.Time, d contract.Data) {
	g.seq++
	g.out = append(g.out, contract.Event{SpecVersion: "1.0", ID: fmt.Sprintf("%s-%07d", g.o.Org, g.seq), Source: source,
		Type: typ, Time: g.at(t), OrgID: g.o.Org, Data: d})
}

func (g *g) org() {
	t := g.start().Add(time.Hour)
	users := 1 + g.r.IntN(8)
	for i := 0; i < users; i++ {
		g.emit("admin", contract.UserAdded, t.Add(time.Duration(i)*time.Hour), contract.Data{UserID: fmt.Sprintf("u-%02d", i)})
	}
	if users > 3 {
		g.emit("admin", contract.UserRemoved, t.Add(48*time.Hour), contract.Data{UserID: "u-01"})
	}
	g.emit("admin", contract.ChannelEnabled, t.Add(2*time.Hour), contract.Data{Channel: "whatsapp"})
	g.emit("admin", contract.ChannelEnabled, t.Add(3*time.Hour), contract.Data{Channel: "sms"})
	g.emit("integrations", contract.IntegrationConnected, t.Add(5*time.Hour), contract.Data{System: "salesforce"})
}

var ddds = func() []int {
	var out []int
	for d := range uf.DDDs() {
		out = append(out, d)
	}
	sort.Ints(out)
	return out
}()

func (g *g) phone() string {
	switch x := g.r.Float64(); {
	case x < 0.04:
		return ""
	case x < 0.08:
		return fmt.Sprintf("+1%03d555%04d", 200+g.r.IntN(700), g.r.IntN(10000))
	default:
		// Weighted towards the big capitals, as real bases are.
		d := ddds[g.r.IntN(len(ddds))]
		if g.r.Float64() < 0.35 {
			d = []int{11, 21, 31, 41, 51, 61, 71, 81}[g.r.IntN(8)]
		}
		return fmt.Sprintf("+55%d9%08d", d, g.r.IntN(100000000))
	}
}

var convChannels = []string{"whatsapp", "whatsapp", "whatsapp", "webchat", "instagram", "messenger", "sms", "email", "rcs"}
var massChannels = []string{"sms", "whatsapp", "email", "rcs", "push"}

func (g *g) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g *g) area() string {
	if g.r.Float64() < 0.45 {
		return contract.AreaCommercial
	}
	return contract.AreaSupport
}

func (g *g) contact(id string) {
	t0 := g.start().Add(time.Duration(g.r.Int64N(int64(6 * time.Hour))))
	g.emit("contacts", contract.ContactUpserted, t0, contract.Data{ContactID: id, Phone: g.phone()})
	days := g.o.Days
	for day := 0; day < days; day++ {
		if g.r.Float64() >= g.o.Intensity {
			continue
		}
		base := g.start().Add(time.Duration(day)*24*time.Hour + time.Duration(g.r.Int64N(int64(20*time.Hour))))
		g.scenario(id, base)
	}
	if g.r.Float64() < 0.03 {
		g.emit("contacts", contract.ContactDeleted, g.o.Now.Add(-time.Duration(g.r.Int64N(int64(72*time.Hour)))), contract.Data{ContactID: id})
	}
}

func (g *g) text() string {
	if g.r.Float64() < 0.3 {
		return ""
	}
	return Texts[g.r.IntN(len(Texts))]
}

func (g *g) few(d time.Duration) time.Duration { return time.Duration(1+g.r.IntN(5)) * d }

func (g *g) scenario(c string, t time.Time) {
	ch := g.pick(convChannels)
	switch x := g.r.Float64(); {
	case x < 0.30: // mass send, maybe a reply
		mc := g.pick(massChannels)
		g.emit("campaigns", contract.MessageSent, t, contract.Data{ContactID: c, Channel: mc, Sender: contract.SenderCampaign, CampaignID: fmt.Sprintf("cmp-%d", t.YearDay())})
		if g.r.Float64() < 0.3 {
			routed := contract.RoutedBot
			if g.r.Float64() < 0.4 {
				routed = contract.RoutedHuman
			}
			g.emit("channels/"+mc, contract.MessageReceived, t.Add(time.Duration(g.r.IntN(180))*time.Minute), contract.Data{ContactID: c, Channel: mc, RoutedTo: routed, Text: g.text(), Area: contract.AreaCommercial})
		}
	case x < 0.55: // chatbot session, maybe escalated to a ticket
		g.emit("channels/"+ch, contract.MessageReceived, t, contract.Data{ContactID: c, Channel: ch, RoutedTo: contract.RoutedBot, Text: g.text()})
		n := 1 + g.r.IntN(4)
		for i := 0; i < n; i++ {
			t = t.Add(g.few(time.Minute))
			g.emit("chatbot", contract.MessageSent, t, contract.Data{ContactID: c, Channel: ch, Sender: contract.SenderBot})
			t = t.Add(g.few(time.Minute))
			g.emit("channels/"+ch, contract.MessageReceived, t, contract.Data{ContactID: c, Channel: ch, RoutedTo: contract.RoutedBot, Text: g.text()})
		}
		if g.r.Float64() < 0.35 {
			g.ticket(c, ch, t.Add(2*time.Minute))
		}
	case x < 0.75: // customer writes to a human: a ticket
		g.emit("channels/"+ch, contract.MessageReceived, t, contract.Data{ContactID: c, Channel: ch, RoutedTo: contract.RoutedHuman, Text: g.text(), Area: g.area()})
		g.ticket(c, ch, t.Add(time.Minute))
	case x < 0.85: // agent writes to a contact from the list
		a := g.area()
		g.emit("inbox", contract.MessageSent, t, contract.Data{ContactID: c, Channel: ch, Sender: contract.SenderAgent, Area: a})
		if g.r.Float64() < 0.5 {
			g.emit("channels/"+ch, contract.MessageReceived, t.Add(time.Duration(10+g.r.IntN(2000))*time.Minute), contract.Data{ContactID: c, Channel: ch, RoutedTo: contract.RoutedHuman, Text: g.text(), Area: a})
		}
	case x < 0.93: // internal ticket and auto replies
		tid := fmt.Sprintf("t-%d", g.seq)
		g.emit("inbox", contract.TicketOpened, t, contract.Data{TicketID: tid, ContactID: c, Area: g.area(), Visibility: contract.VisibilityInternal})
		g.emit("inbox", contract.MessageSent, t.Add(time.Minute), contract.Data{ContactID: c, Channel: ch, Sender: contract.SenderAutoReply})
		f := false
		g.emit("inbox", contract.TicketUpdated, t.Add(time.Hour), contract.Data{TicketID: tid, ContactID: c, Status: contract.StatusInProgress, Public: &f})
		g.emit("inbox", contract.TicketClosed, t.Add(2*time.Hour), contract.Data{TicketID: tid, ContactID: c})
	default: // expert agent actions
		n := 1 + g.r.IntN(3)
		for i := 0; i < n; i++ {
			g.emit("expert-agents", contract.MessageSent, t.Add(time.Duration(i*g.r.IntN(30))*time.Hour), contract.Data{ContactID: c, Channel: ch, Sender: contract.SenderExpertAgent, Area: g.area()})
		}
	}
}

func (g *g) ticket(c, ch string, t time.Time) {
	tid := fmt.Sprintf("t-%d", g.seq)
	a := g.area()
	g.emit("inbox", contract.TicketOpened, t, contract.Data{TicketID: tid, ContactID: c, Area: a, Visibility: contract.VisibilityPublic, Channel: ch})
	yes := true
	// Most tickets are answered quickly; some only days later (two debits).
	delay := time.Duration(5+g.r.IntN(120)) * time.Minute
	if g.r.Float64() < 0.2 {
		delay = time.Duration(24+g.r.IntN(24*6)) * time.Hour
	}
	g.emit("inbox", contract.TicketUpdated, t.Add(delay), contract.Data{TicketID: tid, ContactID: c, Status: g.pick([]string{contract.StatusInProgress, contract.StatusWaiting}), Public: &yes})
	g.emit("inbox", contract.MessageSent, t.Add(delay+time.Minute), contract.Data{ContactID: c, Channel: ch, Sender: contract.SenderAgent, Area: a})
	if g.r.Float64() < 0.7 {
		g.emit("inbox", contract.TicketClosed, t.Add(delay+time.Duration(1+g.r.IntN(300))*time.Minute), contract.Data{TicketID: tid, ContactID: c})
	}
}

// Texts are customer messages the demo and tests draw from.
var Texts = []string{
	"Obrigado, resolveu meu problema!", "Adorei o atendimento, muito rápido", "Meu pedido ainda não chegou, estou muito chateado",
	"Qual o horário de funcionamento?", "Péssimo serviço, ninguém responde", "Quero cancelar minha assinatura",
	"Perfeito, muito obrigado pela ajuda", "O boleto veio com valor errado de novo", "Vocês entregam no sábado?",
	"Gracias, excelente servicio", "Mi pedido llegó roto, qué decepción", "¿Cuál es el precio del plan?",
	"Thanks, that was super helpful!", "This is the worst support ever", "Where is my order?",
	"Ótimo, valeu!", "Não gostei da resposta", "ok", "Bom dia, preciso de ajuda com minha conta",
}

// HotOptions shape one busy contact's stream (a looping chatbot, an
// integration's test contact): PerDay events a day for Days days ending at
// Now, evenly spaced with jitter.
type HotOptions struct {
	Org     string
	Contact string
	PerDay  int
	Days    int
	Now     time.Time
	Seed    uint64
}

// Hot generates a busy contact's events in time order: mostly a chatbot
// dialogue (customer texts and bot answers), with an escalation to a human
// agent now and then and an occasional campaign message, so every lane
// opens windows day after day.
func Hot(o HotOptions) []contract.Event {
	g := &g{r: rand.New(rand.NewPCG(o.Seed, o.Seed^0x51ed2701)), o: Options{Org: o.Org, Now: o.Now, Days: o.Days}}
	start := o.Now.Add(-time.Duration(o.Days) * 24 * time.Hour)
	n := o.PerDay * o.Days
	step := 24 * time.Hour / time.Duration(o.PerDay)
	c := o.Contact
	g.emit("contacts", contract.ContactUpserted, start, contract.Data{ContactID: c, Phone: g.phone()})
	for i := 0; i < n; i++ {
		t := start.Add(time.Duration(i)*step + time.Duration(g.r.Int64N(int64(step))))
		switch x := g.r.Float64(); {
		case x < 0.45:
			g.emit("channels/whatsapp", contract.MessageReceived, t, contract.Data{ContactID: c, Channel: "whatsapp", RoutedTo: contract.RoutedBot, Text: g.text()})
		case x < 0.90:
			g.emit("chatbot", contract.MessageSent, t, contract.Data{ContactID: c, Channel: "whatsapp", Sender: contract.SenderBot})
		case x < 0.95:
			g.emit("channels/whatsapp", contract.MessageReceived, t, contract.Data{ContactID: c, Channel: "whatsapp", RoutedTo: contract.RoutedHuman, Text: g.text(), Area: g.area()})
		case x < 0.99:
			g.emit("inbox", contract.MessageSent, t, contract.Data{ContactID: c, Channel: "whatsapp", Sender: contract.SenderAgent, Area: g.area()})
		default:
			g.emit("campaigns", contract.MessageSent, t, contract.Data{ContactID: c, Channel: "sms", Sender: contract.SenderCampaign, CampaignID: fmt.Sprintf("cmp-%d", t.YearDay())})
		}
	}
	sort.SliceStable(g.out, func(i, j int) bool { return g.out[i].Time.Before(g.out[j].Time) })
	for i := range g.out {
		g.out[i].ID = fmt.Sprintf("%s-%s-%08d", o.Org, o.Contact, i)
	}
	return g.out
}
