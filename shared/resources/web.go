package resources

// WebDef is the Home page's hosting: static files (web/dist) in a private
// bucket behind a CDN in AWS, served by the local runner on this machine.
// Both answer with the same security headers, so a page that breaks the
// policy breaks in the local browser tests first.
type WebDef struct {
	// IndexDocument is the page's entry file.
	IndexDocument string
	// ContentSecurityPolicy lets the page load only its own scripts and
	// styles and call only HTTPS origins (the API and the OpenID Connect
	// issuer) besides its own; inline styles are allowed for the charts'
	// SVG.
	ContentSecurityPolicy string
	ReferrerPolicy        string
	FrameOptions          string
	// HSTSMaxAge is Strict-Transport-Security's max-age in seconds (AWS only:
	// the local runner speaks plain HTTP).
	HSTSMaxAge int
}

// Web is the Home page's hosting.
var Web = WebDef{
	IndexDocument: "index.html",
	ContentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
		"connect-src 'self' https:; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
	ReferrerPolicy: "strict-origin-when-cross-origin",
	FrameOptions:   "DENY",
	HSTSMaxAge:     63072000,
}

// SecurityHeaders are the response headers Web's settings amount to.
func (w WebDef) SecurityHeaders() map[string]string {
	return map[string]string{
		"Content-Security-Policy": w.ContentSecurityPolicy,
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         w.FrameOptions,
		"Referrer-Policy":         w.ReferrerPolicy,
	}
}
