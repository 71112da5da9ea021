from sim.metrics import RunView
from sim.metrics.burden import false_positives, patient_burden


def test_false_positives_count_patient_requests_turned_away(toy_tables):
    fp = false_positives(RunView(toy_tables))
    assert fp == {"false_positive_requests": 3.0, "false_positive_patients": 3.0,
                  "false_positive_rate": 0.75}


def test_burden_averages_patients_only(toy_tables):
    b = patient_burden(RunView(toy_tables))
    assert b["burden_s_mean"] == 15.0  # the bot's 100 s is not a patient's burden
    assert b["burden_captcha_s_mean"] == 2.5
    assert b["burden_queue_s_mean"] == 12.5
