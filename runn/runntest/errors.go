package runntest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/harvest2runn/harvest2runn/runn"
)

// apiError is a refusal, answered with Runn's error body.
type apiError struct {
	status  int
	message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.status, e.message) }

func badRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *apiError {
	return &apiError{status: http.StatusNotFound, message: fmt.Sprintf(format, args...)}
}

// errorBody is Runn's (Fastify's) error shape: error is the status text.
func errorBody(status int, message string) runn.ErrorBody {
	return runn.ErrorBody{Error: http.StatusText(status), Message: message, StatusCode: status}
}

// writeJSON sends a whole answer with its length, as Fastify does for a serialized payload.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client hanging up is not the fake's problem
}

func writeError(w http.ResponseWriter, status int, message string) {
	b, err := json.Marshal(errorBody(status, message))
	if err != nil {
		panic(fmt.Sprintf("runntest: error body cannot be encoded: %v", err))
	}
	writeJSON(w, status, b)
}
