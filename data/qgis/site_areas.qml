<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.34.0-Prizren" styleCategories="Symbology|Labeling" labelsEnabled="1">
  <!-- greentour: site areas coloured by need (due / planned / ok); fields from docs/gis.md -->
  <renderer-v2 type="categorizedSymbol" attr="need" symbollevels="0" enableorderby="0" forceraster="0">
    <categories>
      <category symbol="0" value="due" label="fällig" render="true"/>
      <category symbol="1" value="planned" label="eingeplant" render="true"/>
      <category symbol="2" value="ok" label="nicht fällig" render="true"/>
      <category symbol="3" value="" label="ohne Angabe" render="true"/>
    </categories>
    <symbols>
    <symbol type="fill" name="0" alpha="0.65" clip_to_extent="1" force_rhr="0">
      <layer class="SimpleFill" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="color" value="215,48,39,255" type="QString"/>
            <Option name="outline_color" value="120,20,20,255" type="QString"/>
            <Option name="outline_style" value="solid" type="QString"/>
            <Option name="outline_width" value="0.4" type="QString"/>
            <Option name="outline_width_unit" value="MM" type="QString"/>
            <Option name="style" value="solid" type="QString"/>
          </Option>
      </layer>
    </symbol>
    <symbol type="fill" name="1" alpha="0.65" clip_to_extent="1" force_rhr="0">
      <layer class="SimpleFill" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="color" value="253,174,97,255" type="QString"/>
            <Option name="outline_color" value="150,90,20,255" type="QString"/>
            <Option name="outline_style" value="solid" type="QString"/>
            <Option name="outline_width" value="0.4" type="QString"/>
            <Option name="outline_width_unit" value="MM" type="QString"/>
            <Option name="style" value="solid" type="QString"/>
          </Option>
      </layer>
    </symbol>
    <symbol type="fill" name="2" alpha="0.65" clip_to_extent="1" force_rhr="0">
      <layer class="SimpleFill" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="color" value="102,189,99,255" type="QString"/>
            <Option name="outline_color" value="30,100,30,255" type="QString"/>
            <Option name="outline_style" value="solid" type="QString"/>
            <Option name="outline_width" value="0.4" type="QString"/>
            <Option name="outline_width_unit" value="MM" type="QString"/>
            <Option name="style" value="solid" type="QString"/>
          </Option>
      </layer>
    </symbol>
    <symbol type="fill" name="3" alpha="0.65" clip_to_extent="1" force_rhr="0">
      <layer class="SimpleFill" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="color" value="190,190,190,255" type="QString"/>
            <Option name="outline_color" value="100,100,100,255" type="QString"/>
            <Option name="outline_style" value="solid" type="QString"/>
            <Option name="outline_width" value="0.4" type="QString"/>
            <Option name="outline_width_unit" value="MM" type="QString"/>
            <Option name="style" value="solid" type="QString"/>
          </Option>
      </layer>
    </symbol>
    </symbols>
  </renderer-v2>
  <labeling type="simple">
    <settings calloutType="simple">
      <text-style fieldName="name" isExpression="1" fontFamily="Sans Serif" fontSize="8" fontSizeUnit="Point" textColor="40,40,40,255" textOpacity="1">
        <text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255" bufferOpacity="0.8"/>
      </text-style>
      <placement placement="0" dist="1" distUnits="MM"/>
      <rendering scaleVisibility="1" scaleMin="1" scaleMax="25000"/>
    </settings>
  </labeling>
  <layerGeometryType>2</layerGeometryType>
</qgis>
