-- Participants, families, dated contribution tariffs, monthly bills and payments.
-- Identity numbers are text in the "C" collation: they are digit strings with leading zeros, compared for equality
-- only, and C-collated indexes build several times faster than locale-aware ones when millions of rows are seeded.
-- Secondary indexes and foreign keys are named, because the seed drops and recreates them around its bulk load
-- (store/seed_ddl.go lists the same names; a test checks the two agree).

CREATE TABLE families (
    id              bigint PRIMARY KEY,
    virtual_account text COLLATE "C" NOT NULL CHECK (virtual_account ~ '^[0-9]{16}$')
);
CREATE UNIQUE INDEX families_virtual_account_key ON families (virtual_account);

CREATE TABLE participants (
    card_number text COLLATE "C" PRIMARY KEY CHECK (card_number ~ '^[0-9]{13}$'),
    nik         text COLLATE "C" NOT NULL CHECK (nik ~ '^[0-9]{16}$'),
    name        text NOT NULL,
    birth_date  date NOT NULL,
    sex         char(1) NOT NULL CHECK (sex IN ('L', 'P')),
    family_id   bigint NOT NULL,
    segment     text NOT NULL CHECK (segment IN ('PBI_APBN', 'PBI_APBD', 'PPU', 'PBPU', 'BP')),
    class       smallint NOT NULL CHECK (class BETWEEN 1 AND 3),
    status_code smallint NOT NULL CHECK (status_code IN (0, 2, 6, 7, 9, 15)),
    fktp        text NOT NULL
);
CREATE UNIQUE INDEX participants_nik_key ON participants (nik);
CREATE INDEX participants_family_id_idx ON participants (family_id);
ALTER TABLE participants ADD CONSTRAINT participants_family_id_fkey FOREIGN KEY (family_id) REFERENCES families (id);

-- A tariff row holds from effective_from until the next row of the same group and class. Groups: MANDIRI (PBPU and
-- BP), PBI (both PBI segments), PPU has no row: its contribution is 5% of salary, billed as an amount.
CREATE TABLE contribution_tariffs (
    segment_group      text NOT NULL CHECK (segment_group IN ('MANDIRI', 'PBI')),
    class              smallint NOT NULL CHECK (class BETWEEN 1 AND 3),
    effective_from     date NOT NULL,
    amount_full        bigint NOT NULL CHECK (amount_full >= 0),
    amount_participant bigint NOT NULL CHECK (amount_participant BETWEEN 0 AND amount_full),
    source             text NOT NULL,
    PRIMARY KEY (segment_group, class, effective_from)
);

-- Perpres 64/2020 amounts (DOMAIN.md). Class 3: Rp42.000 a person, of which participants paid Rp25.500 in the
-- second half of 2020 and Rp35.000 since 1 January 2021; the state pays the rest. PBI: the state pays the class 3
-- amount in full (the PBI rate of Rp42.000 dates from Perpres 75/2019; the date of 2020-01-01 is our assumption).
INSERT INTO contribution_tariffs (segment_group, class, effective_from, amount_full, amount_participant, source) VALUES
    ('MANDIRI', 1, DATE '2020-07-01', 150000, 150000, 'Perpres 64/2020'),
    ('MANDIRI', 2, DATE '2020-07-01', 100000, 100000, 'Perpres 64/2020'),
    ('MANDIRI', 3, DATE '2020-07-01', 42000, 25500, 'Perpres 64/2020'),
    ('MANDIRI', 3, DATE '2021-01-01', 42000, 35000, 'Perpres 64/2020'),
    ('PBI', 3, DATE '2020-01-01', 42000, 0, 'Perpres 75/2019');

-- One bill per family and month (period is the first day of the month). The amount is what the payer owes for the
-- whole family that month, fixed when the bill is issued from the tariff then in force.
CREATE TABLE bills (
    family_id bigint NOT NULL,
    period    date NOT NULL CHECK (extract(day FROM period) = 1),
    amount    bigint NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (family_id, period)
);
ALTER TABLE bills ADD CONSTRAINT bills_family_id_fkey FOREIGN KEY (family_id) REFERENCES families (id);

-- Payments against a family's bill for a period. paid_at may be after the due date (the 10th): there is no late
-- fee, and a late payment still settles the month.
CREATE TABLE payments (
    family_id bigint NOT NULL,
    period    date NOT NULL CHECK (extract(day FROM period) = 1),
    paid_at   timestamptz NOT NULL,
    amount    bigint NOT NULL CHECK (amount > 0)
);
CREATE INDEX payments_family_id_period_idx ON payments (family_id, period);
ALTER TABLE payments ADD CONSTRAINT payments_family_id_fkey FOREIGN KEY (family_id) REFERENCES families (id);
