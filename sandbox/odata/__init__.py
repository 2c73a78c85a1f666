"""The OData v4 engine the BC and Dataverse simulators share: store, query options, $filter, $batch, dialects."""
