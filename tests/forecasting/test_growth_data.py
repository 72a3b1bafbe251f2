"""Growth and regime reference files: GrassCheck NI and the Heilbronn cadastre legend."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.care_classes import load_care_classes
from forecasting.growth_data import read_grasscheck, read_heilbronn_legend


def test_grasscheck_weeks_and_missing_share(data_dir):
    """313 weeks 2017-01-02..2022-12-26, six counties, 40.9 % missing each, maxima 93-117."""
    frame = read_grasscheck(data_dir / "growth" / "grasscheck_ni_weekly_growth_by_county.csv")
    assert len(frame) == 313
    assert frame.index.min() == pd.Timestamp("2017-01-02")
    assert frame.index.max() == pd.Timestamp("2022-12-26")
    assert list(frame.columns) == ["derry", "antrim", "down", "armagh", "fermanagh", "tyrone"]
    assert frame.isna().mean().round(3).eq(0.409).all()
    assert frame.max().min() >= 93 and frame.max().max() <= 117


def test_care_classes_match_the_real_heilbronn_legend(data_dir, care_path):
    """Each lawn class of data/care_classes.toml names a real legend entry of the Heilbronn
    cadastre, and its cut range is the one written there; the hedge classes exist too."""
    legend = read_heilbronn_legend(
        data_dir / "growth" / "heilbronn_gruenflaechenkataster_layer_legend_BEB_GRF.txt"
    )
    by_name = legend.set_index("name")
    cut_classes = legend.dropna(subset=["cuts_min"])
    assert len(cut_classes) == 5
    care = load_care_classes(care_path)
    for lawn in care.lawns.values():
        entry = by_name.loc[lawn.heilbronn_legend]
        assert (int(entry["cuts_min"]), int(entry["cuts_max"])) == lawn.cuts_per_year
    for hedge in care.hedges.values():
        assert hedge.heilbronn_legend in by_name.index
    assert by_name.loc["Zierrasen 20-30 Schn", "code"] == 700001035


def test_legend_reader_refuses_other_text(tmp_path):
    """A text without legend lines is refused."""
    path = tmp_path / "x.txt"
    path.write_text("nothing here\n", encoding="utf-8")
    with pytest.raises(ValueError, match="GRF"):
        read_heilbronn_legend(path)


def test_modvege_temperature_response_uses_the_climag_parameters(data_dir):
    """The f(T) defaults are the ClimAg ModVege parameters t_0, t_1, t_2, t_max (39 rows)."""
    import inspect

    from forecasting.drivers import modvege_temperature_factor
    from forecasting.growth_data import read_modvege_params

    params = read_modvege_params(data_dir / "growth" / "modvege_params_climag.csv")
    assert len(params) == 39
    defaults = {
        name: p.default
        for name, p in inspect.signature(modvege_temperature_factor).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    assert defaults == {
        "t0_c": params["t_0"],
        "t1_c": params["t_1"],
        "t2_c": params["t_2"],
        "tmax_c": params["t_max"],
    }
