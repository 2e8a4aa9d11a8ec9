package wiring

import (
	"context"
	"net/http"
	"net/url"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/customercloud/home/shared/httpedge"
)

// Proxy runs an http.Handler as an API Gateway HTTP API (payload 2.0)
// Lambda handler, like httpadapter.NewV2(h).ProxyWithContext, except that an
// event the adapter cannot turn into a request is the client's fault, not
// the function's: httpadapter returns an error for it, which API Gateway
// answers 500. A rawPath with a control character (a gateway that decodes
// %01 before handing the path over) is escaped and tried again; anything
// still unreadable is a 400 problem document.
func Proxy(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	a := httpadapter.NewV2(h)
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		req, err := a.EventToRequestWithContext(ctx, ev)
		if err != nil && ev.RawPath != "" {
			ev.RawPath = (&url.URL{Path: ev.RawPath}).EscapedPath()
			req, err = a.EventToRequestWithContext(ctx, ev)
		}
		if err != nil {
			return events.APIGatewayV2HTTPResponse{
				StatusCode: http.StatusBadRequest,
				Headers:    httpedge.ProblemHeaders(),
				Body:       string(httpedge.ProblemBody(http.StatusBadRequest, "the request's path, query or body cannot be read")),
			}, nil
		}
		w := core.NewProxyResponseWriterV2()
		h.ServeHTTP(w, req)
		return w.GetProxyResponse()
	}
}
