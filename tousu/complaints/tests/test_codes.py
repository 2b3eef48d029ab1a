"""The API's enums (codes.py) are declared in full, and tied to the model's choices on import."""

import pickle

import pytest

from tousu.complaints import codes, models


def test_every_enum_has_the_members_of_its_model_choices():
    for enum, labelled in codes._LABELLED.items():
        choices = labelled.source
        assert enum.__name__ == choices.__name__
        assert [(m.name, m.value) for m in enum] == [(c.name, c.value) for c in choices]


def test_an_enum_that_drifts_from_its_model_choices_is_refused():
    with pytest.raises(TypeError, match="models.Channel"):

        @codes.coded(models.Channel, "渠道")
        class Channel(codes.Coded):  # a member short
            HOTLINE = "hotline"


def test_a_code_compares_and_pickles_as_its_plain_string():
    assert codes.ModeCode("assign") == models.DispatchMode.ASSIGN
    assert type(pickle.loads(pickle.dumps(codes.ChannelCode.HOTLINE))) is str
