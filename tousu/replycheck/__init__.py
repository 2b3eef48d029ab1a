"""The reply quality check (答非所问, issue 14 part 7): a complaint's demands split into items at
intake (``split``), each to be answered by the result and the reply or declined with a reason
(``match``, ``services.enforce``), shown to the approver and counted per unit (``selectors``)."""
