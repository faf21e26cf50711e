-- The verification page reads a certificate's latest inspection on every scan.
CREATE INDEX inspections_certificate ON inspections(certificate_id, inspected_on);
