package iac

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Template is a CloudFormation template as generic values: maps, lists and
// scalar strings, with short-form intrinsics (!Ref, !GetAtt, !Sub, ...)
// expanded to their long form, so YAML and JSON templates read alike.
type Template struct {
	Globals    map[string]any
	Parameters map[string]any
	Conditions map[string]any
	Resources  map[string]Resource
	Outputs    map[string]any
}

// Resource is one resource of a template.
type Resource struct {
	Type                string
	Properties          map[string]any
	Metadata            map[string]any
	Condition           string
	DeletionPolicy      string
	UpdateReplacePolicy string
}

// ParseTemplate reads a YAML or JSON CloudFormation template.
func ParseTemplate(data []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	if len(doc.Content) != 1 {
		return nil, fmt.Errorf("parse template: empty document")
	}
	v, err := fromNode(doc.Content[0])
	if err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("parse template: top level is not a mapping")
	}
	t := &Template{
		Globals:    asMap(top["Globals"]),
		Parameters: asMap(top["Parameters"]),
		Conditions: asMap(top["Conditions"]),
		Outputs:    asMap(top["Outputs"]),
		Resources:  map[string]Resource{},
	}
	for id, rv := range asMap(top["Resources"]) {
		m := asMap(rv)
		t.Resources[id] = Resource{
			Type:                str(m["Type"]),
			Properties:          asMap(m["Properties"]),
			Metadata:            asMap(m["Metadata"]),
			Condition:           str(m["Condition"]),
			DeletionPolicy:      str(m["DeletionPolicy"]),
			UpdateReplacePolicy: str(m["UpdateReplacePolicy"]),
		}
	}
	return t, nil
}

// fromNode converts a YAML node into generic values. Every scalar becomes its
// string form, so 60 and "60" compare equal, as CloudFormation treats them.
func fromNode(n *yaml.Node) (any, error) {
	if n.Kind == yaml.AliasNode {
		return fromNode(n.Alias)
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return fromShortForm(n)
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, nil
		}
		return n.Value, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := fromNode(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := fromNode(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			out[n.Content[i].Value] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node kind %v", n.Line, n.Kind)
}

// fromShortForm expands a short-form intrinsic such as !GetAtt A.B into the
// long form {"Fn::GetAtt": ["A", "B"]}.
func fromShortForm(n *yaml.Node) (any, error) {
	tag := strings.TrimPrefix(n.Tag, "!")
	plain := *n
	plain.Tag = ""
	if n.Kind == yaml.ScalarNode {
		plain.Tag = "!!str"
	}
	v, err := fromNode(&plain)
	if err != nil {
		return nil, err
	}
	switch tag {
	case "Ref", "Condition":
		return map[string]any{tag: v}, nil
	case "GetAtt":
		if s, ok := v.(string); ok {
			res, attr, found := strings.Cut(s, ".")
			if !found {
				return nil, fmt.Errorf("line %d: !GetAtt %q has no attribute", n.Line, s)
			}
			v = []any{res, attr}
		}
		return map[string]any{"Fn::GetAtt": v}, nil
	}
	return map[string]any{"Fn::" + tag: v}, nil
}

// Render turns a property value into the canonical string both templates are
// compared in: references become ${Name} and ${Name.Attr} (Fn::Sub syntax),
// joins and subs are flattened into one string, other functions print as
// Name(args), lists as [a,b] and maps as {k:v} with sorted keys.
func Render(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = Render(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if s, ok := renderIntrinsic(k, arg); ok {
					return s
				}
			}
		}
		keys := slices.Sorted(maps.Keys(x))
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ":" + Render(x[k])
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	return fmt.Sprint(v)
}

func renderIntrinsic(name string, arg any) (string, bool) {
	switch name {
	case "Ref":
		return "${" + Render(arg) + "}", true
	case "Fn::GetAtt":
		if l, ok := arg.([]any); ok && len(l) == 2 {
			return "${" + Render(l[0]) + "." + Render(l[1]) + "}", true
		}
		return "${" + Render(arg) + "}", true
	case "Fn::Sub":
		if s, ok := arg.(string); ok {
			return s, true
		}
		if l, ok := arg.([]any); ok && len(l) == 2 {
			s := Render(l[0])
			for k, val := range asMap(l[1]) {
				s = strings.ReplaceAll(s, "${"+k+"}", Render(val))
			}
			return s, true
		}
	case "Fn::Join":
		if l, ok := arg.([]any); ok && len(l) == 2 {
			if parts, ok := l[1].([]any); ok {
				out := make([]string, len(parts))
				for i, p := range parts {
					out[i] = Render(p)
				}
				return strings.Join(out, Render(l[0])), true
			}
		}
	case "Condition":
		return "Condition(" + Render(arg) + ")", true
	}
	if fn, ok := strings.CutPrefix(name, "Fn::"); ok {
		if l, ok := arg.([]any); ok {
			parts := make([]string, len(l))
			for i, e := range l {
				parts[i] = Render(e)
			}
			return fn + "(" + strings.Join(parts, ",") + ")", true
		}
		return fn + "(" + Render(arg) + ")", true
	}
	return "", false
}

// refTarget is the logical ID a Ref or GetAtt points to, or "" for anything
// else; it links routes to integrations and integrations to functions.
func refTarget(v any) string {
	m := asMap(v)
	if len(m) != 1 {
		return ""
	}
	if r, ok := m["Ref"].(string); ok {
		return r
	}
	if l, ok := m["Fn::GetAtt"].([]any); ok && len(l) == 2 {
		return str(l[0])
	}
	return ""
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// strList renders each element of a list, or a single value as a one-element
// list; a list-valued reference (a CommaDelimitedList parameter) stays one
// element.
func strList(v any) []string {
	if v == nil {
		return nil
	}
	l, ok := v.([]any)
	if !ok {
		return []string{Render(v)}
	}
	out := make([]string, len(l))
	for i, e := range l {
		out[i] = Render(e)
	}
	return out
}

// path walks nested maps by key.
func path(v any, keys ...string) any {
	for _, k := range keys {
		v = asMap(v)[k]
	}
	return v
}
