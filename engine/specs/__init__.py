"""Task specs and event definitions of our own, for BPMN behaviour SpiffWorkflow 3.2.0 lacks.

They are built by the parser in engine/bpmn_parser.py. Specs are never
serialized (engine/serializer.py stores the instance only), so classes of our
own need no serializer converters; what they keep per task is plain JSON in
``internal_data``.

- gateways.py: complex gateway (split, activation condition, token join)
- events.py: interrupting event subprocesses, the end of a process with event
  subprocesses still waiting, ad-hoc subprocesses without completion condition,
  data inputs/outputs and data objects found by name
- compensation.py: compensation throw events and the record of compensable activities
- multi_instance.py: multi-instance behaviour (None/One/All/Complex), instance
  counts in completion conditions, negative cardinalities
- calls.py: call activities whose called process runs as a child case
"""
