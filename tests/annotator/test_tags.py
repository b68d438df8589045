"""A tag's colour keeps highlighted text readable (WCAG AA) in both themes."""

import pytest
from django.core.exceptions import ValidationError

from annotator import services
from annotator.models import Tag


def test_the_default_colours_reach_aa_in_both_themes(tags):
    for tag in Tag.objects.all():
        ratios = services.highlight_contrasts(tag.colour)
        assert min(ratios.values()) >= 4.5, (tag.key, ratios)


@pytest.mark.parametrize("colour", ["#1d4ed8", "#ef4444", "#000000"])
def test_a_dark_colour_is_refused_with_its_contrast(colour):
    with pytest.raises(ValidationError) as caught:
        services.tag_colour_check(colour)
    message = caught.value.message_dict["colour"][0]
    assert "contrast is" in message and "WCAG AA" in message


def test_a_colour_that_passes_only_in_the_light_theme_is_refused():
    # #ef4444: 4.7:1 on the colour itself, 3.8:1 once dimmed for the dark theme.
    ratios = services.highlight_contrasts("#ef4444")
    assert ratios["light"] >= 4.5 > ratios["dark"]
    with pytest.raises(ValidationError, match="dark theme"):
        services.tag_colour_check("#ef4444")


@pytest.mark.parametrize("colour", ["red", "#12345", "#gggggg", None, 7])
def test_a_colour_that_is_not_hex_is_refused(colour):
    with pytest.raises(ValidationError, match="six hex digits"):
        services.tag_colour_check(colour)


def _new_tag(colour: str) -> dict:
    return {"key": "irony", "label": "Irony", "description": "Said to mean the opposite.",
            "colour": colour, "shortcut": "i", "order": 4}  # fmt: skip


def test_the_admin_refuses_a_new_tag_whose_colour_is_too_dark(admin_client, tags):
    response = admin_client.post("/admin/annotator/tag/add/", _new_tag("#1d4ed8"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "would be hard to read" in page
    assert not Tag.objects.filter(key="irony").exists()


def test_the_admin_adds_a_readable_tag_through_the_service_with_history(
    admin_client, admin_user, tags
):
    response = admin_client.post("/admin/annotator/tag/add/", _new_tag("#D9F99D"))
    assert response.status_code == 302, response.content[:600]
    tag = Tag.objects.get(key="irony")
    assert tag.colour == "#d9f99d"
    assert tag.history.get().history_user == admin_user


def test_the_admin_refuses_darkening_an_existing_tag(admin_client, tags):
    fact = Tag.objects.get(key="fact")
    data = {"key": "fact", "label": fact.label, "description": fact.description,
            "colour": "#1e3a8a", "shortcut": fact.shortcut, "order": fact.order}  # fmt: skip
    response = admin_client.post(f"/admin/annotator/tag/{fact.pk}/change/", data)
    assert response.status_code == 200
    fact.refresh_from_db()
    assert fact.colour == "#bfdbfe"
