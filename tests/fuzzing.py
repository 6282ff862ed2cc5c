"""Run schemathesis over an OpenAPI document served by the app: every operation, valid and invalid inputs."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks as st_checks

st_checks.load_all_checks()
# `--checks all`, the response's schema, status, media type and headers included (max_response_time aside:
# speed goes in bench/).
ALL_CHECKS = [check for name, check in ((c.__name__, c) for c in st_checks.CHECKS.get_all())
              if name != "max_response_time"]


def server_errors(app, document_path, headers, *, max_examples=15):
    """Call every operation of the document with generated inputs; return (statuses seen, 5xx answers)."""
    return run(app, document_path, headers, max_examples=max_examples, checks=[st_checks.not_a_server_error])


def run(app, document_path, headers, *, max_examples=15, checks=ALL_CHECKS):
    """Call every operation with generated inputs and apply checks; return (statuses seen, failures).

    A failure is (method, path, query, body, status, what the check said).
    """
    schema = schemathesis.openapi.from_wsgi(document_path, app)
    # The WSGI client does not undo Content-Encoding: ask for plain bodies (compression has tests of its own).
    headers = {**headers, "Accept-Encoding": "identity"}
    failures, calls = [], []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            response = case.call(headers=headers)
            calls.append(response.status_code)
            try:
                case.validate_response(response, checks=checks, headers=headers)
            except (Exception, BaseExceptionGroup) as error:  # schemathesis raises a Failure or a group of them
                failures.append((case.method, case.path, case.path_parameters, case.query, case.body,
                                 response.status_code, str(error)[:600]))

        check()
    return calls, failures
