package harvesttest

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// response is an answer built before it is written, so faults can alter it.
type response struct {
	status      int
	contentType string
	body        []byte
	retryAfter  int // seconds; 0 means no Retry-After header
	allow       string
}

func jsonResponse(status int, v any) response {
	b, err := json.Marshal(v)
	if err != nil {
		panic("harvesttest: encoding a fixed error body: " + err.Error())
	}
	return response{status: status, contentType: "application/json; charset=utf-8", body: b}
}

func okResponse(body []byte) response {
	return response{status: http.StatusOK, contentType: "application/json; charset=utf-8", body: body}
}

// oauthError is the shape Harvest's token checks answer with.
func oauthError(status int, code, description string) response {
	return jsonResponse(status, map[string]string{"error": code, "error_description": description})
}

func invalidToken() response {
	return oauthError(http.StatusUnauthorized, "invalid_token",
		"The access token provided is expired, revoked, malformed or invalid for other reasons.")
}

func notFound() response {
	return jsonResponse(http.StatusNotFound, map[string]any{"status": 404, "error": "Not Found"})
}

func unprocessable(err error) response {
	return jsonResponse(http.StatusUnprocessableEntity, map[string]string{"message": err.Error()})
}

func tooManyRequests(retryAfter int) response {
	r := jsonResponse(http.StatusTooManyRequests, map[string]any{"status": 429, "error": "Too Many Requests"})
	r.retryAfter = retryAfter
	return r
}

func (r response) write(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", r.contentType)
	h.Set("Content-Length", strconv.Itoa(len(r.body)))
	if r.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(r.retryAfter))
	}
	if r.allow != "" {
		h.Set("Allow", r.allow)
	}
	w.WriteHeader(r.status)
	w.Write(r.body)
}

// statusWriter reports the status of the answer just before its header goes out, so that
// the request is in the log by the time the client can see the answer.
type statusWriter struct {
	http.ResponseWriter
	status   int
	reported bool
	report   func(status int)
}

// reportOnce reports status unless a status was reported already.
func (w *statusWriter) reportOnce(status int) {
	if !w.reported {
		w.reported = true
		w.status = status
		w.report(status)
	}
}

func (w *statusWriter) WriteHeader(status int) {
	w.reportOnce(status)
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.reportOnce(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush and Hijack.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
