package asterisksim

import (
	"net/http"
	"strings"
)

// /ari/api-docs: the Swagger 1.1 documents Asterisk serves and swagger-based clients (Node's ari-client,
// Python's ari-py) load at connect to learn the operations. They are generated from the route table, so they
// list exactly what the simulator serves; the shape (resources.json listing /api-docs/<resource>.{format},
// one document per resource with apis, operations and models, basePath from the request's Host) is
// Asterisk 22.10.1's.

// serveAPIDocs answers GET /ari/api-docs/<name>.json. It reports whether the path was an api-docs path.
func (s *Server) serveAPIDocs(w http.ResponseWriter, r *http.Request, segs []string) bool {
	if len(segs) != 2 || segs[0] != "api-docs" {
		return false
	}
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "Unsupported method")
		return true
	}
	base := "http://" + r.Host + "/ari"
	name, ok := strings.CutSuffix(segs[1], ".json")
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, "Resource not found")
	case name == "resources":
		writeAPIDoc(w, s.resourceListing(base))
	default:
		doc := s.resourceDoc(base, name)
		if doc == nil {
			writeError(w, http.StatusNotFound, "Resource not found")
			return true
		}
		writeAPIDoc(w, doc)
	}
	return true
}

func writeAPIDoc(w http.ResponseWriter, doc any) {
	w.Header().Set("Cache-Control", "no-cache, no-store")
	writeJSON(w, http.StatusOK, doc)
}

type jsonObj = map[string]any

func (s *Server) resourceListing(base string) jsonObj {
	served := s.servedResources()
	apis := []jsonObj{}
	for _, rt := range apiResourceTitles {
		if served[rt.name] {
			apis = append(apis, jsonObj{"path": "/api-docs/" + rt.name + ".{format}", "description": rt.desc})
		}
	}
	return jsonObj{"apiVersion": "10.0.0", "swaggerVersion": "1.1", "basePath": base, "apis": apis}
}

// servedResources are the first path segments of the route table.
func (s *Server) servedResources() map[string]bool {
	m := map[string]bool{}
	for _, rt := range s.routes {
		m[rt.segs[0]] = true
	}
	return m
}

// resourceDoc is one resource's document: its routes grouped by path in table order, each with its
// operations, and the resource's models. Nil for a resource the simulator does not serve.
func (s *Server) resourceDoc(base, resource string) jsonObj {
	var apis []jsonObj
	byPath := map[string]int{}
	for _, rt := range s.routes {
		if rt.segs[0] != resource {
			continue
		}
		op, ok := apiOperations[rt.method+" "+rt.pattern]
		if !ok {
			continue // TestAPIDocsDescribeExactlyTheServedRoutes makes this unreachable
		}
		i, seen := byPath[rt.pattern]
		if !seen {
			i = len(apis)
			byPath[rt.pattern] = i
			apis = append(apis, jsonObj{"path": rt.pattern, "description": resource, "operations": []jsonObj{}})
		}
		apis[i]["operations"] = append(apis[i]["operations"].([]jsonObj), op.json(rt.method))
	}
	if apis == nil {
		return nil
	}
	models := jsonObj{}
	for _, m := range resourceModels(resource) {
		models[m.id] = m.json()
	}
	return jsonObj{"apiVersion": "2.0.0", "swaggerVersion": "1.1", "basePath": base,
		"resourcePath": "/api-docs/" + resource + ".{format}", "apis": apis, "models": models}
}

func (op apiOperation) json(method string) jsonObj {
	o := jsonObj{"httpMethod": method, "summary": op.summary, "nickname": op.nickname, "responseClass": op.responseClass}
	if op.websocket {
		o["upgrade"], o["websocketProtocol"] = "websocket", "ari"
	}
	params := make([]jsonObj, 0, len(op.params))
	for _, p := range op.params {
		j := jsonObj{"name": p.name, "description": p.desc, "paramType": p.paramType, "required": p.required,
			"allowMultiple": p.multi, "dataType": p.dataType}
		if p.def != nil {
			j["defaultValue"] = p.def
		}
		if p.allowed != nil {
			j["allowableValues"] = jsonObj{"valueType": "LIST", "values": p.allowed}
		}
		params = append(params, j)
	}
	if len(params) > 0 {
		o["parameters"] = params
	}
	if len(op.errors) > 0 {
		errs := make([]jsonObj, len(op.errors))
		for i, e := range op.errors {
			errs[i] = jsonObj{"code": e.code, "reason": e.reason}
		}
		o["errorResponses"] = errs
	}
	return o
}

func (m apiModel) json() jsonObj {
	props := jsonObj{}
	for _, p := range m.props {
		j := jsonObj{"type": p.typ, "required": p.required}
		if p.allowed != nil {
			j["allowableValues"] = jsonObj{"valueType": "LIST", "values": p.allowed}
		}
		props[p.name] = j
	}
	o := jsonObj{"id": m.id, "description": m.desc, "properties": props}
	if m.subTypes != nil {
		o["subTypes"] = m.subTypes
	}
	if m.id == "Message" {
		o["discriminator"] = "type"
	}
	return o
}
