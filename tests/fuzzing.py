"""Run schemathesis over an OpenAPI document served by the app: every operation, valid and invalid inputs."""

import schemathesis
from hypothesis import HealthCheck, given, settings


def server_errors(app, document_path, headers):
    """Call every operation of the document with generated inputs; return (statuses seen, 5xx answers)."""
    schema = schemathesis.openapi.from_wsgi(document_path, app)
    failures, calls = [], []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            response = case.call(headers=headers)
            calls.append(response.status_code)
            if response.status_code >= 500:
                failures.append((case.method, case.path, case.path_parameters, case.query, case.body,
                                 response.status_code, response.text[:300]))

        check()
    return calls, failures
