"""The outputs floor: what people read from the marts. The GTM brief (`report`), the CLI headline (`summary`)
and the Metabase wiring (`metabase`).

Depends on the transform and warehouse floors; reads marts only, never bronze. A new section
 of the brief goes in
`report`."""
