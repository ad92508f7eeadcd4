package ui

import (
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

func (p *adminPage) Render() app.UI {
	var body app.UI
	switch {
	case !p.ready:
		body = app.P().Class("sb-admin-empty").Text("Loading the dashboard…")
	case p.cred == "":
		body = p.renderSignIn()
	default:
		body = p.renderDashboard()
	}
	return app.Div().Class("sb-app sb-admin").Body(
		app.Header().Class("sb-admin-header").Body(
			brandMark("sb-admin-logo"),
			app.Div().Class("sb-admin-titles").Body(
				app.H1().Class("sb-admin-title").Text("Switchboard operations"),
				app.P().Class("sb-admin-sub").Text(p.subtitle()),
			),
			app.If(p.cred != "", func() app.UI {
				return app.Button().Type("button").Class("sb-button sb-button-small").
					OnClick(p.onSignOut).Text("Sign out")
			}),
		),
		app.Main().Class("sb-admin-main").Body(body),
	)
}

// subtitle says what the figures cover and how fresh they are.
func (p *adminPage) subtitle() string {
	if !p.model.loaded {
		return "Live view of the whole cluster, refreshed every second."
	}
	s := p.model.stats
	n := len(s.Nodes)
	nodes := strconv.Itoa(n) + " nodes"
	if n == 1 {
		nodes = "1 node"
	}
	return "Whole cluster (" + nodes + "), as of " + time.UnixMilli(s.Time).Local().Format("15:04:05") +
		" from node " + s.Node + "."
}

func (p *adminPage) renderSignIn() app.UI {
	hintClass, hint := "sb-hint", "The token the server was started with (--admin-token or SWITCHBOARD_ADMIN_TOKEN, 16 characters or more; without one the dashboard stays closed). Kept in this tab only."
	if p.authErr != "" {
		hintClass, hint = "sb-hint sb-hint-error", p.authErr
	}
	return app.Div().Class("sb-card sb-admin-signin").Body(
		app.H2().Class("sb-admin-h2").Text("Sign in"),
		app.P().Class("sb-lead").Text("The dashboard is for operators: use the admin token, or sign in on your site with a token whose role is admin."),
		app.Form().Class("sb-form").Attr("novalidate", true).OnSubmit(p.onSignIn).Body(
			app.Div().Class("sb-field").Body(
				app.Label().For(idAdminToken).Class("sb-label").Text("Admin token"),
				app.Div().Class("sb-input-wrap").Body(
					app.Input().ID(idAdminToken).Name(idAdminToken).Type("password").Class("sb-input").
						Attr("autocomplete", "current-password").Spellcheck(false).
						Aria("describedby", idAdminTokenHint).Aria("invalid", p.authErr != ""),
				),
				app.P().ID(idAdminTokenHint).Class(hintClass).Text(hint),
			),
			app.Button().Type("submit").Class("sb-button sb-button-primary sb-button-block").Text("Open dashboard"),
		),
	)
}

func (p *adminPage) renderDashboard() app.UI {
	m := &p.model
	t := m.total
	msg := p.pollErr
	if msg == "" && !m.loaded {
		msg = "Reading the stats…"
	}
	// Every chart ends at the latest answer, the same moment for all.
	now := time.UnixMilli(m.stats.Time)
	if !m.loaded {
		now = time.Now()
	}
	return app.Div().Class("sb-admin-grid").Body(
		app.P().ID(idAdminStatus).Class("sb-admin-alert").Role("status").Aria("live", "polite").Text(msg),
		app.Section().Class("sb-admin-tiles").Aria("label", "Overview").Body(
			statTile("Connections", t.Connections),
			statTile("Active rooms", len(m.stats.Rooms)),
			statTile("Memberships", t.Members),
			statTile("Nodes", len(m.stats.Nodes)),
		),
		app.Section().Class("sb-admin-charts").Aria("label", "Charts").Body(
			&LineChart{Label: "Connections", Window: adminWindow, Now: now, Series: m.connSeries()},
			&LineChart{Label: "Messages per second", Window: adminWindow, Now: now, Series: m.rateSeries()},
			&LineChart{Label: "Delivery latency", Window: adminWindow, Now: now, Series: m.latencySeries()},
		),
		p.renderNodes(),
		p.renderRooms(),
		app.If(p.room != "", func() app.UI { return p.renderRoom() }),
		app.If(p.dead.Enabled, p.renderDeadLetters),
	)
}

// statTile is one figure of the overview; its accessible name is the label.
func statTile(label string, v int) app.UI {
	return app.Div().Class("sb-stat").Role("group").Aria("label", label).Body(
		app.Span().Class("sb-stat-value").Text(strconv.Itoa(v)),
		app.Text(" "),
		app.Span().Class("sb-stat-label").Text(label),
	)
}

func (p *adminPage) renderNodes() app.UI {
	rows := make([]app.UI, 0, len(p.model.stats.Nodes))
	for _, n := range p.model.stats.Nodes {
		state, class := "serving", "sb-ok"
		switch {
		case n.Draining:
			state, class = "draining", "sb-warn"
		case !n.NATSConnected:
			state, class = "NATS down", "sb-bad"
		}
		rows = append(rows, app.Tr().Body(
			app.Th().Scope("row").Text(n.Node),
			app.Td().Class("sb-num").DataSet("label", "Connections").Text(strconv.Itoa(n.Connections)),
			app.Td().Class("sb-num").DataSet("label", "Rooms").Text(strconv.Itoa(n.Rooms)),
			app.Td().Class("sb-num").DataSet("label", "Memberships").Text(strconv.Itoa(n.Members)),
			app.Td().Class("sb-num").DataSet("label", "Stored").Text(strconv.FormatUint(n.MessagesStored, 10)),
			app.Td().DataSet("label", "State").Body(app.Span().Class("sb-pill "+class).Text(state)),
		))
	}
	return app.Section().Class("sb-admin-panel").Aria("labelledby", "sb-admin-nodes").Body(
		app.H2().ID("sb-admin-nodes").Class("sb-admin-h2").Text("Nodes"),
		app.Div().Class("sb-table-wrap").Body(
			app.Table().Class("sb-table").Body(
				app.THead().Body(app.Tr().Body(
					app.Th().Scope("col").Text("Node"),
					app.Th().Scope("col").Class("sb-num").Text("Connections"),
					app.Th().Scope("col").Class("sb-num").Text("Rooms"),
					app.Th().Scope("col").Class("sb-num").Text("Memberships"),
					app.Th().Scope("col").Class("sb-num").Text("Stored"),
					app.Th().Scope("col").Text("State"),
				)),
				app.TBody().Body(rows...),
			),
		),
	)
}

func (p *adminPage) renderRooms() app.UI {
	rooms := p.model.stats.Rooms
	var body app.UI
	if len(rooms) == 0 {
		body = app.P().Class("sb-admin-empty").Text("No room has anyone in it right now.")
	} else {
		rows := make([]app.UI, 0, len(rooms))
		for _, r := range rooms {
			label := "Manage"
			if r.Name == p.room {
				label = "Hide"
			}
			rows = append(rows, app.Tr().Body(
				app.Th().Scope("row").Body(app.Span().Class("sb-hash").Aria("hidden", true).Text("#"), app.Text(r.Name)),
				app.Td().Class("sb-num").DataSet("label", "Online").Text(strconv.Itoa(r.Online)),
				app.Td().Class("sb-actions").Body(
					app.Button().Type("button").Class("sb-button sb-button-small").
						Aria("label", label+" #"+r.Name).Aria("expanded", r.Name == p.room).
						OnClick(p.onManage(r.Name)).Text(label),
				),
			))
		}
		body = app.Div().Class("sb-table-wrap").Body(app.Table().Class("sb-table").Body(
			app.THead().Body(app.Tr().Body(
				app.Th().Scope("col").Text("Room"),
				app.Th().Scope("col").Class("sb-num").Text("Online"),
				app.Th().Scope("col").Body(app.Span().Class("sr-only").Text("Actions")),
			)),
			app.TBody().Body(rows...),
		))
	}
	return app.Section().Class("sb-admin-panel").Aria("labelledby", "sb-admin-rooms").Body(
		app.H2().ID("sb-admin-rooms").Class("sb-admin-h2").Text("Rooms"),
		body,
	)
}

func (p *adminPage) renderRoom() app.UI {
	var members app.UI
	switch {
	case p.membersErr != "":
		members = app.P().Class("sb-hint sb-hint-error").Text(p.membersErr)
	case !p.membersOK:
		members = app.P().Class("sb-admin-empty").Text("Asking every node who is in the room…")
	case len(p.members) == 0:
		members = app.P().Class("sb-admin-empty").Text("Nobody is in this room now.")
	default:
		rows := make([]app.UI, 0, len(p.members))
		for _, m := range p.members {
			role := m.Role
			if role == "" {
				role = "member"
			}
			rows = append(rows, app.Tr().Body(
				app.Th().Scope("row").Text(m.Name),
				app.Td().Class("sb-mono").DataSet("label", "User id").Text(m.ID),
				app.Td().DataSet("label", "Role").Text(role),
				app.Td().DataSet("label", "Node").Text(m.Node),
				app.Td().Class("sb-num").DataSet("label", "Connections").Text(strconv.Itoa(m.Conns)),
				app.Td().Class("sb-actions").Body(
					app.Button().Type("button").Class("sb-button sb-button-small sb-button-danger").
						Aria("label", "Kick "+m.Name).Disabled(p.busy).OnClick(p.onKick(m)).Text("Kick"),
				),
			))
		}
		members = app.Div().Class("sb-table-wrap").Body(app.Table().Class("sb-table").Body(
			app.THead().Body(app.Tr().Body(
				app.Th().Scope("col").Text("Name"),
				app.Th().Scope("col").Text("User id"),
				app.Th().Scope("col").Text("Role"),
				app.Th().Scope("col").Text("Node"),
				app.Th().Scope("col").Class("sb-num").Text("Connections"),
				app.Th().Scope("col").Body(app.Span().Class("sr-only").Text("Actions")),
			)),
			app.TBody().Body(rows...),
		))
	}
	return app.Section().Class("sb-admin-panel sb-admin-room").Aria("labelledby", idAdminRoom).Body(
		app.H2().ID(idAdminRoom).Class("sb-admin-h2").Attr("tabindex", "-1").Text("#"+p.room),
		app.H3().Class("sb-admin-h3").Text("People here"),
		members,
		app.Div().Class("sb-field").Body(
			app.Label().For(idAdminReason).Class("sb-label").Text("Reason shown to people removed"),
			app.Div().Class("sb-input-wrap").Body(
				app.Input().ID(idAdminReason).Type("text").Class("sb-input").
					Attr("autocomplete", "off").Placeholder(kickDefaultHint),
			),
		),
		app.Form().Class("sb-form sb-admin-notice").Attr("novalidate", true).OnSubmit(p.onNotice).Body(
			app.Div().Class("sb-field").Body(
				app.Label().For(idAdminNotice).Class("sb-label").Text("Notice"),
				app.Div().Class("sb-input-wrap").Body(
					app.Textarea().ID(idAdminNotice).Class("sb-input sb-admin-textarea").Rows(2).
						Placeholder("Posted in the room as a message from Operator"),
				),
			),
			app.Button().Type("submit").Class("sb-button sb-button-primary").Disabled(p.busy).Text("Post notice"),
		),
		app.Div().Class("sb-admin-close").Body(
			app.If(!p.confirmClose, func() app.UI {
				return app.Button().Type("button").Class("sb-button sb-button-danger").
					OnClick(p.onCloseAsk).Text("Close room")
			}).Else(func() app.UI {
				return app.Div().Class("sb-mod-form").Role("group").Aria("label", "Confirm closing").Body(
					app.P().Class("sb-mod-title").Text("Remove everyone from #"+p.room+"? They see the reason above."),
					app.Div().Class("sb-mod-buttons").Body(
						app.Button().Type("button").Class("sb-button sb-button-danger").Disabled(p.busy).
							OnClick(p.onCloseConfirm).Text("Close #"+p.room),
						app.Button().Type("button").Class("sb-button").OnClick(p.onCloseCancel).Text("Cancel"),
					),
				)
			}),
		),
		app.P().Class("sb-admin-result").Role("status").Aria("live", "polite").Body(
			app.If(p.actionErr != "", func() app.UI { return app.Span().Class("sb-hint-error").Text(p.actionErr) }).
				Else(func() app.UI { return app.Text(p.status) }),
		),
	)
}

// kickDefaultHint is the placeholder of the reason field: what people see
// when it is left empty.
const kickDefaultHint = "Default: An operator removed you from this room."
