"""The Function App: one blueprint per flow family. Azure and `hub serve` both load this file."""

import azure.functions as func

from functions import (
    crm,
    crm_documents,
    crm_nightly,
    ecppro_lists,
    invoices,
    operations,
    project_invoices,
)

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(crm.bp)
app.register_functions(crm_documents.bp)
app.register_functions(crm_nightly.bp)
app.register_functions(ecppro_lists.bp)
app.register_functions(invoices.bp)
app.register_functions(operations.bp)
app.register_functions(project_invoices.bp)
